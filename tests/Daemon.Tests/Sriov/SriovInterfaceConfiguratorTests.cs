using VmNet.Daemon.Netlink;
using VmNet.Daemon.Pods;
using VmNet.Daemon.Sriov;
using VmNet.Daemon.Tests.Netlink;
using VmNet.TestSupport;

namespace VmNet.Daemon.Tests.Sriov;

/// <summary>ADD/DEL of VFs on an emulated switchdev NIC: real kernel links and namespaces, real ovsdb-server, sysfs as the kernel lays it out.</summary>
public sealed class SriovInterfaceConfiguratorTests(OpenVSwitchOvsdbFixture db) : IClassFixture<OpenVSwitchOvsdbFixture>
{
    [Fact]
    public async Task AddThenDelRoundTripRestoresTheVf()
    {
        var macs = new RecordingVfMacSetter();
        await using var rig = await SriovRig.StartAsync(db, vfCount: 2, vfMac: macs);
        var pod = rig.NewPod();
        var vfMacBefore = (await rig.HostLinkAsync(rig.Nic.VfNetdev(1)))!.MacAddress;
        var port = rig.Nic.Prefix + "_h";

        var attached = await rig.Configurator.AttachAsync(SriovRig.Request(1, pod, port, "0a:00:00:10:00:05", "10.16.0.5/16"), CancellationToken.None);

        Assert.Equal(1, attached.Vf.VfIndex);
        Assert.Equal(rig.Nic.Representor(1), attached.Vf.Representor);
        Assert.Equal((rig.Nic.PfNetdev, 1, "0a:00:00:10:00:05"), Assert.Single(macs.Calls));
        Assert.Null(await rig.HostLinkAsync(rig.Nic.VfNetdev(1)));
        var eth0 = await SriovRig.PodLinkAsync(pod, "eth0");
        Assert.NotNull(eth0);
        Assert.Equal("0a:00:00:10:00:05", MacFormat.Format(eth0.MacAddress!));
        Assert.Equal(1400, eth0.Mtu);
        Assert.True(eth0.IsUp);
        Assert.Contains("10.16.0.5/16", IpTool.Run("ip", "-n", pod.Name, "addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains("default via 10.16.0.1", IpTool.Run("ip", "-n", pod.Name, "route"), StringComparison.Ordinal);

        // The representor now carries the port name, is up with the pod MTU, and is the other end of the VF.
        Assert.Null(await rig.HostLinkAsync(rig.Nic.Representor(1)));
        var rep = await rig.HostLinkAsync(port);
        Assert.NotNull(rep);
        Assert.True(rep.IsUp);
        Assert.Equal(1400, rep.Mtu);
        Assert.Contains($"{port}@if{eth0.Index}", IpTool.Run("ip", "-n", rig.Node.Name, "-o", "link", "show", port), StringComparison.Ordinal);
        var iface = rig.Ports.FindInterface(port);
        Assert.NotNull(iface);
        Assert.Equal(port + ".default", iface.ExternalIds["iface-id"]);
        Assert.Equal(EmulatedSwitchdevNic.VfPci(1), iface.ExternalIds[SriovPortState.VfPciKey]);
        Assert.Equal(rig.Nic.VfNetdev(1), iface.ExternalIds[SriovPortState.VfNetdevKey]);
        Assert.Equal(rig.Nic.Representor(1), iface.ExternalIds[SriovPortState.RepresentorKey]);

        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));

        var vf = await rig.HostLinkAsync(rig.Nic.VfNetdev(1));
        Assert.NotNull(vf);
        Assert.Equal(vfMacBefore, vf.MacAddress);
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        Assert.Equal((rig.Nic.PfNetdev, 1, "00:00:00:00:00:00"), macs.Calls[^1]);
        Assert.Null(rig.Ports.FindInterface(port));
        Assert.Null(rig.Ports.FindPort(port));
        await rig.AssertPristineAsync(2);
        Assert.False(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));
    }

    [Fact]
    public async Task TwoPodsGetTwoVfsAndAVfInUseIsRefused()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 2);
        var (podA, podB, podC) = (rig.NewPod(), rig.NewPod(), rig.NewPod());
        var a = await rig.Configurator.AttachAsync(SriovRig.Request(0, podA, rig.Nic.Prefix + "a_h", "0a:00:00:10:00:0a", "10.16.0.10/16"), CancellationToken.None);
        var b = await rig.Configurator.AttachAsync(SriovRig.Request(1, podB, rig.Nic.Prefix + "b_h", "0a:00:00:10:00:0b", "10.16.0.11/16"), CancellationToken.None);
        Assert.NotEqual(a.Vf.PciAddress, b.Vf.PciAddress);
        Assert.NotEqual(a.Vf.Representor, b.Vf.Representor);

        var refused = await Assert.ThrowsAsync<SriovException>(() =>
            rig.Configurator.AttachAsync(SriovRig.Request(0, podC, rig.Nic.Prefix + "c_h", "0a:00:00:10:00:0c", "10.16.0.12/16"), CancellationToken.None));
        Assert.Contains("0000:3b:00.2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("in use", refused.Message, StringComparison.Ordinal);
        Assert.Contains(rig.Nic.Prefix + "a_h", refused.Message, StringComparison.Ordinal);

        // The refusal touched nothing: pod A still has its VF, pod C got nothing.
        Assert.NotNull(await SriovRig.PodLinkAsync(podA, "eth0"));
        Assert.Null(await SriovRig.PodLinkAsync(podC, "eth0"));
        Assert.Null(rig.Ports.FindPort(rig.Nic.Prefix + "c_h"));
        Assert.True((await rig.HostLinkAsync(rig.Nic.Prefix + "a_h"))!.IsUp);

        await rig.Configurator.DetachAsync(rig.Nic.Prefix + "a_h", podA.Path, "eth0", CancellationToken.None);
        await rig.Configurator.DetachAsync(rig.Nic.Prefix + "b_h", podB.Path, "eth0", CancellationToken.None);
        await rig.AssertPristineAsync(2);
    }

    [Fact]
    public async Task ADeviceIdWithoutVfIsAClearErrorAndChangesNothing()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var pod = rig.NewPod();
        var request = SriovRig.Request(0, pod, rig.Nic.Prefix + "_h", "0a:00:00:10:00:05", "10.16.0.5/16") with { VfPci = "0000:3b:00.7" };
        var error = await Assert.ThrowsAsync<SriovException>(() => rig.Configurator.AttachAsync(request, CancellationToken.None));
        Assert.Equal($"deviceID 0000:3b:00.7: no PCI device {rig.Nic.Root}/bus/pci/devices/0000:3b:00.7", error.Message);

        // The PF itself is a PCI device but not a VF.
        var pf = await Assert.ThrowsAsync<SriovException>(() => rig.Configurator.AttachAsync(request with { VfPci = EmulatedSwitchdevNic.PfPci }, CancellationToken.None));
        Assert.Contains("is not an SR-IOV virtual function", pf.Message, StringComparison.Ordinal);
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        await rig.AssertPristineAsync(1);
    }

    [Fact]
    public async Task AVfWithoutRepresentorIsAClearErrorAndChangesNothing()
    {
        var macs = new RecordingVfMacSetter();
        await using var rig = await SriovRig.StartAsync(db, vfCount: 2, vfMac: macs, withRepresentor: i => i != 1);
        var pod = rig.NewPod();
        var error = await Assert.ThrowsAsync<SriovException>(() =>
            rig.Configurator.AttachAsync(SriovRig.Request(1, pod, rig.Nic.Prefix + "_h", "0a:00:00:10:00:05", "10.16.0.5/16"), CancellationToken.None));
        Assert.Contains("no representor for VF 1 of PF 0000:3b:00.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("phys_port_name pf0vf1", error.Message, StringComparison.Ordinal);
        Assert.Empty(macs.Calls);
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        await rig.AssertPristineAsync(2);
    }

    [Fact]
    public async Task APfNotInSwitchdevIsAClearErrorAndChangesNothing()
    {
        var legacy = new FixedEswitchModes("legacy");
        var macs = new RecordingVfMacSetter();
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1, eswitch: legacy, vfMac: macs);
        var pod = rig.NewPod();
        var error = await Assert.ThrowsAsync<SriovException>(() =>
            rig.Configurator.AttachAsync(SriovRig.Request(0, pod, rig.Nic.Prefix + "_h", "0a:00:00:10:00:05", "10.16.0.5/16"), CancellationToken.None));
        Assert.Equal($"deviceID 0000:3b:00.2: PF 0000:3b:00.0 ({rig.Nic.PfNetdev}) eswitch mode is legacy, not switchdev", error.Message);
        Assert.Equal([EmulatedSwitchdevNic.PfPci], legacy.Queried);
        Assert.Empty(macs.Calls);
        await rig.AssertPristineAsync(1);
    }

    /// <summary>
    /// The product's VF MAC setter (RTM_SETLINK IFLA_VFINFO_LIST on the PF) against a PF whose driver has no
    /// ndo_set_vf_mac, as the veth uplink here: the kernel's EOPNOTSUPP becomes a clear error and the ADD leaves nothing behind.
    /// </summary>
    [Fact]
    public async Task TheRealVfMacSetterOnAPfWithoutVfSupportFailsClearlyAndRollsBack()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var real = new NetlinkVfMacSetter(rig.Host);
        await rig.RestartDaemonAsync(db, new FixedEswitchModes("switchdev"), real);
        var pod = rig.NewPod();
        var error = await Assert.ThrowsAsync<SriovException>(() =>
            rig.Configurator.AttachAsync(SriovRig.Request(0, pod, rig.Nic.Prefix + "_h", "0a:00:00:10:00:05", "10.16.0.5/16"), CancellationToken.None));
        Assert.StartsWith($"deviceID 0000:3b:00.2: setting the MAC of VF 0 through PF {rig.Nic.PfNetdev} to 0a:00:00:10:00:05 failed:", error.Message, StringComparison.Ordinal);
        Assert.Contains("EOPNOTSUPP", error.Message, StringComparison.Ordinal);
        Assert.IsType<NetlinkException>(error.InnerException?.InnerException ?? error.InnerException);
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        await rig.AssertPristineAsync(1);
    }

    /// <summary>A failure after the representor is plugged (pod netns vanished) unwinds every step.</summary>
    [Fact]
    public async Task AFailureAfterPluggingRollsEverythingBack()
    {
        var macs = new RecordingVfMacSetter();
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1, vfMac: macs);
        var request = SriovRig.Request(0, rig.NewPod(), rig.Nic.Prefix + "_h", "0a:00:00:10:00:05", "10.16.0.5/16");
        request = request with { Pod = request.Pod with { NetnsPath = "/var/run/netns/" + rig.Nic.Prefix + "gone" } };
        var error = await Assert.ThrowsAsync<SriovException>(() => rig.Configurator.AttachAsync(request, CancellationToken.None));
        Assert.IsType<VmNet.Daemon.Cni.CniFailure>(error.InnerException);
        Assert.Contains(rig.Nic.Prefix + "gone", error.Message, StringComparison.Ordinal);
        Assert.Equal("00:00:00:00:00:00", macs.Calls[^1].Mac);
        await rig.AssertPristineAsync(1);
    }

    [Fact]
    public async Task DelAfterADaemonRestartStillGivesTheVfBack()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        await rig.Configurator.AttachAsync(SriovRig.Request(0, pod, port, "0a:00:00:10:00:05", "10.16.0.5/16"), CancellationToken.None);

        var afterRestart = new RecordingVfMacSetter();
        await rig.RestartDaemonAsync(db, new FixedEswitchModes("switchdev"), afterRestart);
        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));

        Assert.Equal((rig.Nic.PfNetdev, 0, "00:00:00:00:00:00"), Assert.Single(afterRestart.Calls));
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        await rig.AssertPristineAsync(1);
    }

    [Fact]
    public async Task AVfForAVmStaysOnTheHostAndOnlyTheRepresentorIsPlugged()
    {
        var macs = new RecordingVfMacSetter();
        await using var rig = await SriovRig.StartAsync(db, vfCount: 2, vfMac: macs);
        rig.Nic.BindToVfio(1);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        // Bound to vfio-pci, the VF is left for the VM even though the request did not say so.
        var attached = await rig.Configurator.AttachAsync(SriovRig.Request(1, pod, port, "0a:00:00:10:00:07", "10.16.0.7/16"), CancellationToken.None);

        Assert.False(attached.VfInPod);
        Assert.True(attached.Vf.IsUserspaceBound);
        Assert.Equal((rig.Nic.PfNetdev, 1, "0a:00:00:10:00:07"), Assert.Single(macs.Calls));
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        Assert.True((await rig.HostLinkAsync(port))!.IsUp);
        Assert.Equal("false", rig.Ports.FindInterface(port)!.ExternalIds[SriovPortState.VfInPodKey]);

        var error = await Assert.ThrowsAsync<SriovException>(() =>
            rig.Configurator.AttachAsync(SriovRig.Request(1, rig.NewPod(), rig.Nic.Prefix + "x_h", "0a:00:00:10:00:08", "10.16.0.8/16"), CancellationToken.None));
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);

        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));
        Assert.NotNull(await rig.HostLinkAsync(rig.Nic.Representor(1)));
        Assert.Null(rig.Ports.FindPort(port));
        Assert.Equal((rig.Nic.PfNetdev, 1, "00:00:00:00:00:00"), macs.Calls[^1]);
    }

    [Fact]
    public async Task ANetdevVfRequestedForAVmIsLeftOnTheHost()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        var attached = await rig.Configurator.AttachAsync(SriovRig.Request(0, pod, port, "0a:00:00:10:00:09", "10.16.0.9/16", leaveForVm: true), CancellationToken.None);
        Assert.False(attached.VfInPod);
        Assert.NotNull(await rig.HostLinkAsync(rig.Nic.VfNetdev(0)));
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));
        await rig.AssertPristineAsync(1);
    }

    [Fact]
    public async Task ARetriedAddStartsFromACleanNode()
    {
        var macs = new RecordingVfMacSetter();
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1, vfMac: macs);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        var request = SriovRig.Request(0, pod, port, "0a:00:00:10:00:05", "10.16.0.5/16");
        await rig.Configurator.AttachAsync(request, CancellationToken.None);
        await rig.Configurator.AttachAsync(request, CancellationToken.None);

        Assert.Equal(["0a:00:00:10:00:05", "00:00:00:00:00:00", "0a:00:00:10:00:05"], macs.Calls.Select(c => c.Mac));
        Assert.NotNull(await SriovRig.PodLinkAsync(pod, "eth0"));
        Assert.Single(rig.Ports.OwnedInterfaces(), i => i.ExternalIds.GetValueOrDefault(SriovPortState.VfPciKey) == EmulatedSwitchdevNic.VfPci(0));
        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));
        await rig.AssertPristineAsync(1);
    }

    /// <summary>
    /// The pod netns is gone before DEL. A physical VF then sits in the host namespace under its pod-side name
    /// (the kernel's doing, replayed here: veths would be destroyed with the netns); DEL finds it by PCI address.
    /// </summary>
    [Fact]
    public async Task DelAfterThePodNetnsIsGoneFindsTheReturnedVfByItsPciAddress()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        var vfMac = (await rig.HostLinkAsync(rig.Nic.VfNetdev(0)))!.MacAddress;
        await rig.Configurator.AttachAsync(SriovRig.Request(0, pod, port, "0a:00:00:10:00:05", "10.16.0.5/16"), CancellationToken.None);
        IpTool.Run("ip", "-n", pod.Name, "link", "set", "eth0", "netns", rig.Node.Name);
        rig.Nic.FollowKernelRename(0, "eth0");
        pod.Dispose();

        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));

        Assert.Null(await rig.HostLinkAsync("eth0"));
        Assert.Equal(vfMac, (await rig.HostLinkAsync(rig.Nic.VfNetdev(0)))!.MacAddress);
        await rig.AssertPristineAsync(1);
    }

    [Fact]
    public async Task OnTheUserspaceDatapathTheVfSendsFullChecksumsUntilDel()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        var request = SriovRig.Request(0, pod, port, "0a:00:00:10:00:05", "10.16.0.5/16") with { DisableTxChecksum = true };
        await rig.Configurator.AttachAsync(request, CancellationToken.None);
        Assert.Contains("tx-checksumming: off", IpTool.Run("ip", "netns", "exec", pod.Name, "ethtool", "-k", "eth0"), StringComparison.Ordinal);
        Assert.Equal("true", rig.Ports.FindInterface(port)!.ExternalIds[SriovPortState.TxChecksumOffKey]);

        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));
        Assert.Contains("tx-checksumming: on", IpTool.Run("ip", "netns", "exec", rig.Node.Name, "ethtool", "-k", rig.Nic.VfNetdev(0)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoConcurrentAddsForOneVfLetExactlyOneWin()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var (podA, podB) = (rig.NewPod(), rig.NewPod());
        var attempts = new[]
        {
            Task.Run(() => rig.Configurator.AttachAsync(SriovRig.Request(0, podA, rig.Nic.Prefix + "a_h", "0a:00:00:10:00:0a", "10.16.0.10/16"), CancellationToken.None)),
            Task.Run(() => rig.Configurator.AttachAsync(SriovRig.Request(0, podB, rig.Nic.Prefix + "b_h", "0a:00:00:10:00:0b", "10.16.0.11/16"), CancellationToken.None)),
        };
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                return (await t).RepresentorPort;
            }
            catch (SriovException e)
            {
                return "refused: " + e.Message;
            }
        }));

        var winner = Assert.Single(outcomes, o => !o.StartsWith("refused", StringComparison.Ordinal));
        Assert.Single(outcomes, o => o.Contains("in use", StringComparison.Ordinal));
        var winnerPod = winner == rig.Nic.Prefix + "a_h" ? podA : podB;
        Assert.NotNull(await SriovRig.PodLinkAsync(winnerPod, "eth0"));
        Assert.True(await rig.Configurator.DetachAsync(winner, winnerPod.Path, "eth0", CancellationToken.None));
        await rig.AssertPristineAsync(1);
    }

    /// <summary>A cancelled ADD (the binary gave up) is rolled back like a failed one, even half way.</summary>
    [Fact]
    public async Task ACancelledAddIsRolledBack()
    {
        using var cancel = new CancellationTokenSource();
        var macs = new CancellingVfMacSetter(cancel);
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1, vfMac: macs);
        var pod = rig.NewPod();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            rig.Configurator.AttachAsync(SriovRig.Request(0, pod, rig.Nic.Prefix + "_h", "0a:00:00:10:00:05", "10.16.0.5/16"), cancel.Token));
        Assert.Null(await SriovRig.PodLinkAsync(pod, "eth0"));
        Assert.Equal("00:00:00:00:00:00", macs.Calls[^1].Mac);
        await rig.AssertPristineAsync(1);
    }

    /// <summary>Accepts the MAC, then cancels the ADD as it goes on (the representor rename is the next step).</summary>
    private sealed class CancellingVfMacSetter(CancellationTokenSource cancel) : IVfMacSetter
    {
        public List<(string Pf, int Vf, string Mac)> Calls { get; } = [];

        public Task SetAsync(string pfNetdev, int vfIndex, System.Net.NetworkInformation.PhysicalAddress mac, CancellationToken cancellationToken)
        {
            Calls.Add((pfNetdev, vfIndex, MacFormat.Format(mac)));
            cancel.Cancel();
            return Task.CompletedTask;
        }
    }

    /// <summary>The daemon died half way through ADD (port recorded, representor renamed, VF not yet moved): DEL after a restart finishes the job.</summary>
    [Fact]
    public async Task DelAfterADaemonCrashHalfWayThroughAddRestoresTheNode()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var pod = rig.NewPod();
        var port = rig.Nic.Prefix + "_h";
        var record = new SriovPortState
        {
            VfPci = EmulatedSwitchdevNic.VfPci(0),
            VfNetdev = rig.Nic.VfNetdev(0),
            PfNetdev = rig.Nic.PfNetdev,
            VfIndex = 0,
            Representor = rig.Nic.Representor(0),
            VfInPod = true,
        };
        var request = SriovRig.Request(0, pod, port, "0a:00:00:10:00:05", "10.16.0.5/16");
        await rig.Ports.AddAsync(request.Port with { ExternalIds = new Dictionary<string, string>(request.Port.ExternalIds.Concat(record.ToExternalIds())) }, CancellationToken.None);
        IpTool.Run("ip", "-n", rig.Node.Name, "link", "set", rig.Nic.Representor(0), "name", port);

        var macs = new RecordingVfMacSetter();
        await rig.RestartDaemonAsync(db, new FixedEswitchModes("switchdev"), macs);
        Assert.True(await rig.Configurator.DetachAsync(port, pod.Path, "eth0", CancellationToken.None));

        Assert.Equal((rig.Nic.PfNetdev, 0, "00:00:00:00:00:00"), Assert.Single(macs.Calls));
        await rig.AssertPristineAsync(1);
    }
}
