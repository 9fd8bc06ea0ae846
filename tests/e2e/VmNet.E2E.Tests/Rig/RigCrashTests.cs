using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Rig;

/// <summary>Things later crash-safety tests rely on: restarting a killed node daemon, unplugging a pod.</summary>
[Collection(RigCollection.Name)]
public sealed class RigCrashTests(GeneveKubeOvnRigFixture fixture) : IClassFixture<GeneveKubeOvnRigFixture>
{
    [Fact]
    public async Task KilledOvnControllerRestartsAndTrafficFlowsAgain()
    {
        var node2 = fixture.Node2;
        var oldPid = node2.Controller.Pid;

        await node2.Controller.KillAsync(CancellationToken.None);
        await node2.Controller.RestartAsync(CancellationToken.None);

        Assert.NotEqual(oldPid, node2.Controller.Pid);
        Assert.Contains((node2.Controller.Pid, "ovn-controller"), RigManifest.ReadPids(fixture.Rig.Directory));
        var status = await RetryAsync(() => node2.ControllerAppctlAsync(["connection-status"]), r => r.Stdout.Trim() == "connected");
        Assert.Equal("connected", status.Stdout.Trim());
        await fixture.Rig.SyncHypervisorsAsync();
        var ping = await RetryAsync(() => fixture.Pod1.PingAsync(KubeOvnRigFixture.Pod2Ip, 2), r => r.Succeeded);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr + fixture.Rig.Diagnostics());
    }

    [Fact]
    public async Task RemovedPodGoesDownAndItsNetnsDisappears()
    {
        var rig = fixture.Rig;
        await KubeOvnTopology.AddPortAsync(rig.Central, "pod3", "0a:00:00:10:00:0d", "10.16.0.13");
        var pod3 = await rig.AddPodAsync(fixture.Node1, rig.PodOptions("pod3", "pod3", "0a:00:00:10:00:0d", "10.16.0.13/16", KubeOvnTopology.Gateway));
        await rig.WaitPortUpAsync("pod3");

        await rig.RemovePodAsync(pod3);
        await rig.SyncHypervisorsAsync();

        Assert.False(NetworkNamespace.Exists(pod3.Netns));
        Assert.DoesNotContain(pod3, rig.Pods);
        var up = await RetryAsync(() => rig.Central.NbctlAsync(["lsp-get-up", "pod3"]), r => r.Stdout.Trim() == "down");
        Assert.Equal("down", up.Stdout.Trim());
    }

    private static async Task<CommandResult> RetryAsync(Func<Task<CommandResult>> action, Func<CommandResult, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            CommandResult result;
            try
            {
                result = await action();
            }
            catch (RigCommandException ex) when (ex.Result is not null && DateTime.UtcNow < deadline)
            {
                // e.g. the restarted daemon's unixctl socket is not there yet
                await Task.Delay(100);
                continue;
            }

            if (done(result) || DateTime.UtcNow >= deadline)
            {
                return result;
            }

            await Task.Delay(100);
        }
    }
}
