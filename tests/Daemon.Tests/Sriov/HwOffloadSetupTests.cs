using Microsoft.Extensions.Logging.Abstractions;
using VmNet.Daemon.Sriov;
using VmNet.Daemon.Tests.Netlink;
using VmNet.Ovsdb.Vswitch;
using VmNet.TestSupport;

namespace VmNet.Daemon.Tests.Sriov;

public sealed class HwOffloadSetupTests(OpenVSwitchOvsdbFixture db) : IClassFixture<OpenVSwitchOvsdbFixture>
{
    [Fact]
    public async Task OffloadOnAndASwitchdevPfSetsHwOffloadInOvs()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        IpTool.Run("ovs-vsctl", "--db=" + db.UnixConnection, "--no-wait", "remove", "Open_vSwitch", ".", "other_config", "hw-offload");
        await Setup(rig, new FixedEswitchModes("switchdev"), offload: true).EnsureAsync(CancellationToken.None);
        Assert.Equal("\"true\"", IpTool.Run("ovs-vsctl", "--db=" + db.UnixConnection, "get", "Open_vSwitch", ".", "other_config:hw-offload").Trim());
    }

    [Fact]
    public async Task OffloadOnWithoutASwitchdevPfIsAClearErrorAndLeavesOvsAlone()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        IpTool.Run("ovs-vsctl", "--db=" + db.UnixConnection, "--no-wait", "remove", "Open_vSwitch", ".", "other_config", "hw-offload");
        var error = await Assert.ThrowsAsync<SriovException>(() => Setup(rig, new FixedEswitchModes("legacy"), offload: true).EnsureAsync(CancellationToken.None));
        Assert.Equal(
            $"hw-offload is enabled but no SR-IOV PF under {rig.Nic.Root}/bus/pci/devices is in switchdev mode: {EmulatedSwitchdevNic.PfPci} ({rig.Nic.PfNetdev}): legacy",
            error.Message);
        Assert.Null(rig.Ovs.Cache.Rows<OpenVSwitch>().Single().OtherConfig.GetValueOrDefault("hw-offload"));
    }

    [Fact]
    public async Task OffloadOffTouchesNothing()
    {
        await using var rig = await SriovRig.StartAsync(db, vfCount: 1);
        var modes = new FixedEswitchModes("legacy");
        await Setup(rig, modes, offload: false).EnsureAsync(CancellationToken.None);
        Assert.Empty(modes.Queried);
    }

    [Fact]
    public void TheFlagComesFromTheCommandLineOrHwOffload()
    {
        Assert.True(DaemonOptionsParser.Parse(["--node-name", "n1", "--hw-offload", "true"]).HwOffload);
        Assert.Equal("/host/sys", DaemonOptionsParser.Parse(["--node-name", "n1", "--sysfs-root", "/host/sys"]).SysfsRoot);
        var error = Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse(["--node-name", "n1", "--hw-offload", "yes"]));
        Assert.Equal("--hw-offload 'yes' is not true or false", error.Message);
    }

    private static HwOffloadSetup Setup(SriovRig rig, IEswitchModeReader modes, bool offload) =>
        new(rig.Ovs, new SriovTopology(new Sysfs(rig.Nic.Root)), modes, new DaemonOptions { NodeName = "n1", HwOffload = offload }, NullLogger<HwOffloadSetup>.Instance);
}
