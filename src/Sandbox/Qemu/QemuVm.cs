using System.Globalization;
using System.Text.Json;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// One qemu-system-x86_64 process (daemonized, so it outlives nothing but is stopped by PID) running inside
/// the attachment's netns, with its serial console in a file and its QMP socket owned by <see cref="Qmp"/>.
/// </summary>
public sealed class QemuVm : IAsyncDisposable
{
    private QemuVm(string role, VmAttachment attachment, int pid, QmpClient qmp, string serialLog, IReadOnlyList<string> arguments)
    {
        Role = role;
        Attachment = attachment;
        Pid = pid;
        Qmp = qmp;
        SerialLog = serialLog;
        Arguments = arguments;
    }

    /// <summary>Names the files of this process ("src-3", "dst-4"...).</summary>
    public string Role { get; }

    public VmAttachment Attachment { get; }

    public int Pid { get; }

    public QmpClient Qmp { get; }

    public string SerialLog { get; }

    /// <summary>The exact qemu-system-x86_64 arguments used.</summary>
    public IReadOnlyList<string> Arguments { get; }

    public bool IsRunning => ProcessSignals.IsAlive(Pid);

    /// <summary>
    /// Starts QEMU in <see cref="VmAttachment.QemuNetns"/>; with <paramref name="incomingUri"/> it waits for a
    /// migration stream instead of booting. Files go to <paramref name="directory"/>; the PID is recorded in
    /// <paramref name="manifest"/> so the rig janitor can stop it after a crash.
    /// </summary>
    public static async Task<QemuVm> StartAsync(
        QemuVmOptions options,
        VmAttachment attachment,
        string netdevOptions,
        string directory,
        string role,
        string? incomingUri,
        RigManifest? manifest,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(attachment);
        Directory.CreateDirectory(directory);
        var serial = Path.Combine(directory, role + ".serial");
        var qmpSocket = Path.Combine(directory, role + ".qmp");
        var pidFile = Path.Combine(directory, role + ".pid");
        foreach (var stale in new[] { serial, qmpSocket, pidFile })
        {
            File.Delete(stale);
        }

        var args = QemuCommandLine.Build(options, attachment.Tap, netdevOptions, serial, qmpSocket, pidFile, incomingUri);
        // -daemonize returns once the machine is set up (tap opened, QMP listening) or failed.
        await NetworkNamespace.ExecCheckedAsync(attachment.QemuNetns, QemuCommandLine.Binary, args, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var pidText = File.Exists(pidFile) ? (await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false)).Trim() : string.Empty;
        if (!int.TryParse(pidText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            throw new QemuException($"QEMU {role} wrote no PID to {pidFile} ('{pidText}')");
        }

        manifest?.RecordPid(pid, QemuCommandLine.Binary);
        QmpClient qmp;
        try
        {
            qmp = await QmpClient.ConnectAsync(qmpSocket, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ProcessSignals.TerminateAsync([pid], TimeSpan.FromSeconds(3), CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new QemuVm(role, attachment, pid, qmp, serial, args);
    }

    /// <summary>Waits until the guest printed a whole line (newline included) with <paramref name="marker"/> on its serial console; returns that line.</summary>
    public async Task<string> WaitForSerialAsync(string marker, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var text = ReadSerial();
            if (CompleteLineContaining(text, marker) is { } line)
            {
                return line;
            }

            if (!IsRunning)
            {
                throw new QemuException($"QEMU {Role} (pid {Pid}) exited before '{marker}'; serial: {Tail(text)}");
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new QemuException($"guest in QEMU {Role} printed no '{marker}' within {timeout.TotalSeconds:0} s; serial: {Tail(text)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The first newline-terminated line of <paramref name="text"/> containing <paramref name="marker"/>, trimmed, or
    /// null: a TCG guest writes its serial console a character at a time, so a line without its newline may be cut short.
    /// </summary>
    public static string? CompleteLineContaining(string text, string marker)
    {
        ArgumentNullException.ThrowIfNull(text);
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                return null;
            }

            var line = text[start..end];
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return line.Trim();
            }

            start = end + 1;
        }

        return null;
    }

    public string ReadSerial()
    {
        try
        {
            using var stream = new FileStream(SerialLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
    }

    /// <summary>The run state QEMU reports ("running", "paused", "inmigrate", "postmigrate"...).</summary>
    public async Task<string> QueryStatusAsync(CancellationToken cancellationToken = default)
    {
        var status = await Qmp.ExecuteAsync("query-status", cancellationToken: cancellationToken).ConfigureAwait(false);
        return status.GetProperty("status").GetString() ?? string.Empty;
    }

    /// <summary>Closes QMP and stops the process by PID (SIGTERM, then SIGKILL).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await Qmp.DisposeAsync().ConfigureAwait(false);
        await ProcessSignals.TerminateAsync([Pid], TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // Disposal must not fail on a garbled last QMP line.
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : "..." + text[^2000..];
}
