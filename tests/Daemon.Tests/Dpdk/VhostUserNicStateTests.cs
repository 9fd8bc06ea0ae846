using VmNet.Daemon.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

/// <summary>
/// "NIC connected" for a vhost-user Interface: link_state=up, or the device status "connected" that OVS writes in
/// the same refresh (after a vswitchd restart OVS 3.1 can leave link_state=down on a forwarding device).
/// </summary>
public sealed class VhostUserNicStateTests
{
    [Theory]
    [InlineData("up", "connected", true)]
    [InlineData("up", null, true)]
    [InlineData("down", "connected", true)]
    [InlineData(null, "connected", true)]
    [InlineData("down", "disconnected", false)]
    [InlineData(null, "disconnected", false)]
    [InlineData("down", null, false)]
    [InlineData(null, null, false)]
    public void ConnectedIsLinkUpOrTheDeviceStarted(string? linkState, string? status, bool connected)
    {
        Assert.Equal(connected, VhostUserNicState.IsConnected(linkState, status));
        Assert.Equal(connected, new VhostUserNicState("p1", linkState, status, null).Connected);
    }
}
