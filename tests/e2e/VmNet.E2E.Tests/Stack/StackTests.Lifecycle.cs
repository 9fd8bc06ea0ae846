using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>The vmnet-daemon executable's own lifecycle on a node: graceful stop and start again.</summary>
public sealed partial class StackTests
{
    [Fact]
    public async Task DaemonStopsGracefullyOnSigtermAndServesBothSocketsAfterRestart()
    {
        var daemon = Stack.Daemon(fixture.Node2);
        await daemon.StopAsync();
        Assert.True(daemon.ExitCode == 0, $"exit code {daemon.ExitCode}\n{daemon.LogTail()}");
        Assert.False(File.Exists(daemon.SocketPath), "socket left behind");
        Assert.False(File.Exists(daemon.KubeOvnSocketPath), "Kube-OVN socket left behind");
        Assert.Contains("vmnet-daemon stopping", daemon.LogTail(), StringComparison.Ordinal);

        daemon.Start();
        await Stack.Readiness.WaitDaemonReadyAsync(daemon);
        foreach (var socket in new[] { daemon.SocketPath, daemon.KubeOvnSocketPath })
        {
            var status = await Stack.Cni.RunAsync(new CniInvocation { Command = "STATUS", NetConf = CniPlugin.NetConf(socket, "1.1.0") }, TimeSpan.FromSeconds(30));
            StackAssert.Succeeded(status, Stack);
        }

        // A crashed run is cleaned by the janitor only if it can tell these PIDs are ours: recorded with a start time
        // and a name that /proc/PID/comm starts (what RigJanitor checks before it kills).
        var records = RigManifest.ReadPidRecords(Stack.Rig.Directory);
        foreach (var pid in new[] { daemon.Pid, Stack.Daemon(fixture.Node1).Pid, Stack.Controller!.Pid })
        {
            var record = Assert.Single(records, r => r.Pid == pid);
            Assert.Equal(ProcessStartTime.Read(pid), record.StartTime);
            Assert.StartsWith(ProcessSignals.CommandName(pid)!, record.Name, StringComparison.Ordinal);
        }
    }
}
