using System.Globalization;
using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// A QEMU/TCG guest whose only NIC is vhost-user: QEMU is the vhost-user server (it creates the socket and keeps
/// listening, OVS's dpdkvhostuserclient port connects). Guest RAM is a shared memfd (the backend maps it; without
/// it QEMU falls back to userspace virtio) and the NIC uses INTx (<c>vectors=0</c>): QEMU 7.2 under TCG segfaults
/// in vhost_net_start with MSI-X. QEMU blocks in -daemonize until OVS has connected, so the port must exist first.
/// </summary>
public sealed class VhostUserVm : IAsyncDisposable
{
    private VhostUserVm(string role, int pid, QmpClient qmp, string serialLog)
    {
        Role = role;
        Pid = pid;
        Qmp = qmp;
        SerialLog = serialLog;
    }

    public string Role { get; }

    public int Pid { get; }

    public QmpClient Qmp { get; }

    public string SerialLog { get; }

    public bool IsRunning => ProcessSignals.IsAlive(Pid);

    /// <summary>The guest-defining arguments; identical on migration source and target.</summary>
    public static IReadOnlyList<string> Machine(QemuVmOptions options, string socketPath, bool guestAnnounceOff)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var mem = options.MemoryMb.ToString(CultureInfo.InvariantCulture);
        var append = "console=ttyS0 quiet panic=-1 vmip=" + options.IpCidr
            + (options.Gateway is null ? string.Empty : " vmgw=" + options.Gateway)
            + " vmmtu=" + options.Mtu.ToString(CultureInfo.InvariantCulture);
        return
        [
            "-name", "vmnet-vhu-guest", "-accel", options.Accelerator, "-machine", options.Machine + ",memory-backend=mem0",
            "-m", mem, "-smp", "1",
            "-object", $"memory-backend-memfd,id=mem0,size={mem}M,share=on",
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", options.Guest.KernelPath, "-initrd", options.Guest.InitrdPath, "-append", append,
            "-chardev", $"socket,id=chr0,path={socketPath},server=on,wait=off",
            "-netdev", "vhost-user,id=net0,chardev=chr0",
            "-device", string.Create(CultureInfo.InvariantCulture, $"virtio-net-pci,netdev=net0,mac={options.Mac},host_mtu={options.Mtu},vectors=0,romfile=")
                + (guestAnnounceOff ? ",guest_announce=off" : string.Empty),
        ];
    }

    public static async Task<VhostUserVm> StartAsync(
        QemuVmOptions options, string socketPath, bool guestAnnounceOff, string directory, string role, string? incomingUri, RigManifest? manifest, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var serial = Path.Combine(directory, role + ".serial");
        var qmpSocket = Path.Combine(directory, role + ".qmp");
        var pidFile = Path.Combine(directory, role + ".pid");
        foreach (var stale in new[] { serial, qmpSocket, pidFile, socketPath })
        {
            File.Delete(stale);
        }

        var args = Machine(options, socketPath, guestAnnounceOff).ToList();
        args.AddRange(["-chardev", "file,id=ser0,path=" + serial, "-serial", "chardev:ser0", "-qmp", "unix:" + qmpSocket + ",server=on,wait=off", "-pidfile", pidFile, "-daemonize"]);
        if (incomingUri is not null)
        {
            args.AddRange(["-incoming", incomingUri]);
        }

        await CommandRunner.RunCheckedAsync(QemuCommandLine.Binary, args, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken).ConfigureAwait(false);
        var pidText = File.Exists(pidFile) ? (await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false)).Trim() : string.Empty;
        if (!int.TryParse(pidText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            throw new QemuException($"QEMU {role} wrote no PID to {pidFile} ('{pidText}')");
        }

        manifest?.RecordPid(pid, QemuCommandLine.Binary);
        try
        {
            var qmp = await QmpClient.ConnectAsync(qmpSocket, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
            return new VhostUserVm(role, pid, qmp, serial);
        }
        catch
        {
            await ProcessSignals.TerminateAsync([pid], TimeSpan.FromSeconds(3), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task WaitForSerialAsync(string marker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!ReadSerial().Contains(marker, StringComparison.Ordinal))
        {
            if (!IsRunning || DateTime.UtcNow >= deadline)
            {
                throw new QemuException($"guest in QEMU {Role} printed no '{marker}' within {timeout.TotalSeconds:0} s (running: {IsRunning}); serial: {LogTail.Read(SerialLog, 10)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
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

    public async Task StopAsync()
    {
        await Qmp.DisposeAsync().ConfigureAwait(false);
        await ProcessSignals.TerminateAsync([Pid], TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
