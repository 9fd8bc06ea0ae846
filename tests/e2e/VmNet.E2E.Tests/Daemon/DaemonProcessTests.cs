using System.Diagnostics;
using VmNet.E2E.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>
/// The vmnet-daemon executable as a process for one rig node (kubeconfig to the in-process API server,
/// --host-netns for the simulated node): it serves an ADD/DEL through the CNI binary and stops gracefully
/// on SIGTERM, removing its socket.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class DaemonProcessTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task ExecutableServesPodsAndStopsOnSigterm()
    {
        var node = fixture.Node2;
        var options = fixture.Options(node);
        await fixture.StopDaemonAsync(node);
        var kubeconfig = fixture.ApiServer.WriteKubeconfig(Path.Combine(fixture.Rig.Directory, "kubeconfig"));
        var daemonDll = Path.Combine(AppContext.BaseDirectory, "vmnet-daemon.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            daemonDll, "--node-name", node.Name, "--kubeconfig", kubeconfig, "--ovs-db", options.OvsDatabase,
            "--ovn-remote", options.SouthboundRemote!, "--encap-ip", options.EncapIp!, "--socket", options.SocketPath,
            "--host-netns", node.Netns, "--datapath-type", "netdev",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        fixture.Rig.Manifest.RecordPid(process.Id, "vmnet-daemon");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(options.SocketPath))
            {
                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "daemon did not open its socket:\n" + output);
                await Task.Delay(100);
            }

            var pod = await CniPod.NewAsync(fixture, node, "proc");
            await pod.PlayControllerAsync(fixture);
            var add = await pod.AddAsync(fixture);
            Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr + "\n" + output);
            var ping = await pod.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", KubeOvnTopology.Gateway);
            Assert.True(ping.Succeeded, ping.Stdout);
            Assert.Equal(0, (await pod.DelAsync(fixture)).ExitCode);

            Assert.True(Sandbox.Rig.ProcessSignals.SendTerm(process.Id), "SIGTERM not delivered");
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(exited.Token);
            Assert.True(process.ExitCode == 0, "exit code " + process.ExitCode + "\n" + output);
            Assert.False(File.Exists(options.SocketPath), "socket left behind");
            Assert.Contains("stopping", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await fixture.StartDaemonAsync(node);
        }
    }
}
