using VmNet.Daemon.Dpdk;
using VmNet.Dpdk;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Tests.Dpdk;

public sealed class DpdkCapabilityTests
{
    private static OpenVSwitch Row(bool initialized, string[] datapaths, string[] ifaceTypes) => new()
    {
        DpdkInitialized = initialized,
        DpdkVersion = initialized ? "DPDK 22.11.11" : null,
        DatapathTypes = datapaths,
        IfaceTypes = ifaceTypes,
    };

    [Fact]
    public void DpdkBuildWithEalUpCanCreateVhostUserPorts()
    {
        var capability = DpdkCapability.FromRow(Row(true, ["netdev", "system"], ["dpdk", "dpdkvhostuser", "dpdkvhostuserclient", "internal"]));
        Assert.True(capability.CanCreateVhostUserPorts);
        Assert.Null(capability.MissingReason());
        var annotations = capability.ToAnnotations();
        Assert.Equal("true", annotations[DpdkNodeAnnotations.VhostUser]);
        Assert.Equal("DPDK 22.11.11", annotations[DpdkNodeAnnotations.Version]);
    }

    [Fact]
    public void PlainBuildIsReportedWithTheReason()
    {
        var capability = DpdkCapability.FromRow(Row(false, ["netdev", "system"], ["internal", "geneve"]));
        Assert.False(capability.CanCreateVhostUserPorts);
        Assert.Contains("dpdk_initialized=false", capability.MissingReason(), StringComparison.Ordinal);
        Assert.Equal("false", capability.ToAnnotations()[DpdkNodeAnnotations.VhostUser]);
        Assert.Null(capability.ToAnnotations()[DpdkNodeAnnotations.Version]);
    }

    [Fact]
    public void MissingNetdevDatapathOrPortTypeIsNamed()
    {
        Assert.Contains("netdev", DpdkCapability.FromRow(Row(true, ["system"], ["dpdkvhostuserclient"])).MissingReason(), StringComparison.Ordinal);
        Assert.Contains("dpdkvhostuserclient", DpdkCapability.FromRow(Row(true, ["netdev"], ["dpdk"])).MissingReason(), StringComparison.Ordinal);
    }
}
