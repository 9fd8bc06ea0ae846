using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Tests.Pods;

public sealed class ActivationBlockProbeTests
{
    [Fact]
    public void TheDropOfTheRarpActivationIsTheBlock()
    {
        const string dump = """
             cookie=0x5e2b9c1a, priority=1010,rarp,in_port=7,dl_src=0a:58:0a:10:00:c8 actions=controller(userdata=00.00.00.17.00.00.00.00)
             cookie=0x5e2b9c1a, priority=1000,in_port=7 actions=drop
             cookie=0x5e2b9c1a, priority=100,in_port=7 actions=load:0x3->NXM_NX_REG13[0..15],load:0x2->OXM_OF_METADATA[],resubmit(,8)
            """;
        Assert.True(ActivationBlockProbe.IsBlock(dump));
    }

    [Fact]
    public void ThePortsOrdinaryFlowsAloneAreNoBlock()
    {
        const string dump = """
             cookie=0x5e2b9c1a, priority=100,in_port=7 actions=load:0x3->NXM_NX_REG13[0..15],load:0x2->OXM_OF_METADATA[],resubmit(,8)
            """;
        Assert.False(ActivationBlockProbe.IsBlock(dump));
        Assert.False(ActivationBlockProbe.IsBlock(string.Empty));
    }

    [Theory]
    [InlineData("unix:/var/run/openvswitch/db.sock", "br-int", "/var/run/openvswitch/br-int.mgmt")]
    [InlineData("unix:/tmp/rig-1/node1/conf.sock", "br-int", "/tmp/rig-1/node1/br-int.mgmt")]
    [InlineData("tcp:127.0.0.1:6640", "br-int", "/var/run/openvswitch/br-int.mgmt")]
    public void MgmtSocketSitsBesideTheDatabaseSocket(string database, string bridge, string expected) =>
        Assert.Equal(expected, ActivationBlockProbe.MgmtSocket(database, bridge));
}
