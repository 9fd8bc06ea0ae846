using System.Diagnostics;
using System.Globalization;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// dpdk-testpmd as a VM stand-in: a vhost-user SERVER (net_virtio_user, server=1) on a socket OVS connects to,
/// answering ARP and ICMP echo in icmpecho mode. Its forwarding lcore busy-polls a core, so callers keep it
/// running only for the seconds a check needs. No hugepages: memfd memory, 4096 mbufs (the default pool does
/// not fit in --no-huge memory).
/// </summary>
public sealed class TestPmdPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _output;

    private TestPmdPeer(Process process, string logPath, Task output)
    {
        _process = process;
        LogPath = logPath;
        _output = output;
    }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public bool IsRunning => ProcessSignals.IsAlive(_process.Id);

    /// <param name="socketPath">The vhost-user socket testpmd creates (OVS's vhost-server-path).</param>
    /// <param name="mac">The MAC testpmd answers with (the LSP's MAC).</param>
    /// <param name="filePrefix">EAL file prefix, unique per DPDK process on the host.</param>
    /// <param name="logPath">testpmd's stdout/stderr.</param>
    /// <param name="memoryMb">EAL memory (-m).</param>
    public static TestPmdPeer Start(string socketPath, string mac, string filePrefix, string logPath, int memoryMb = 64)
    {
        File.Delete(socketPath);
        var info = new ProcessStartInfo(DpdkNode.TestPmdBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--no-pci", "--no-huge", "-m", memoryMb.ToString(CultureInfo.InvariantCulture), "--file-prefix=" + filePrefix,
            "--lcores=0@0,1@0",
            $"--vdev=net_virtio_user0,path={socketPath},server=1,queue_size=256,mac={mac}",
            "--", "--forward-mode=icmpecho", "--auto-start", "--stats-period=3600", "--total-num-mbufs=4096",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new RigException($"{DpdkNode.TestPmdBinary} did not start");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var output = Task.WhenAll(Pump(process.StandardOutput, log), Pump(process.StandardError, log))
            .ContinueWith(_ => log.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return new TestPmdPeer(process, logPath, output);
    }

    /// <summary>Waits until testpmd has created its listening socket.</summary>
    public async Task WaitListeningAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(socketPath))
        {
            if (!IsRunning || DateTime.UtcNow > deadline)
            {
                throw new RigException($"testpmd did not create {socketPath} within {timeout.TotalSeconds:0}s (running: {IsRunning}); log {LogPath}: {LogTail.Read(LogPath, 15)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGINT: testpmd stops forwarding and prints its statistics; SIGKILL if it does not exit in 5 s.</summary>
    public async Task StopAsync()
    {
        if (IsRunning)
        {
            _ = SigInt(_process.Id);
            if (!await ProcessSignals.WaitGoneAsync([_process.Id], TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false))
            {
                ProcessSignals.SendKill(_process.Id);
            }
        }

        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await _output.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private static async Task Pump(StreamReader reader, StreamWriter log)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    private static bool SigInt(int pid) => Kill(pid, 2) == 0;
}
