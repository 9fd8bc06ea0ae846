namespace VmNet.E2E.Daemon;

/// <summary>CNI GC through the binary: attachments the runtime no longer lists lose their veth and OVS port; listed ones stay.</summary>
[Collection(VmNet.E2E.Rig.RigCollection.Name)]
public sealed class DaemonGcTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task GcRemovesOnlyUnlistedAttachments()
    {
        var kept = await CniPod.NewAsync(fixture, fixture.Node1, "gc");
        var dropped = await CniPod.NewAsync(fixture, fixture.Node1, "gc");
        foreach (var pod in new[] { kept, dropped })
        {
            await pod.PlayControllerAsync(fixture);
            var add = await pod.AddAsync(fixture);
            Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        }

        var netconf = $$"""{"cniVersion":"1.1.0","name":"kube-ovn","type":"kube-ovn","server_socket":"{{fixture.SocketPath(fixture.Node1)}}","cni.dev/valid-attachments":[{"containerID":"{{kept.ContainerId}}","ifname":"eth0"}]}""";
        var gc = await CniBinary.RunAsync("GC", "", null, "", "", "", netconf, Timeouts.Token());
        Assert.True(gc.ExitCode == 0, gc.Stdout + gc.Stderr);

        var ports = (await fixture.Node1.VsctlAsync(["list-ports", "br-int"])).Stdout;
        Assert.Contains(kept.HostVeth, ports, StringComparison.Ordinal);
        Assert.DoesNotContain(dropped.HostVeth, ports, StringComparison.Ordinal);
        Assert.False((await fixture.Node1.ExecAsync("ip", ["link", "show", dropped.HostVeth])).Succeeded);
        Assert.True((await fixture.Node1.ExecAsync("ip", ["link", "show", kept.HostVeth])).Succeeded);
        Assert.Equal(0, (await kept.DelAsync(fixture)).ExitCode);
    }
}
