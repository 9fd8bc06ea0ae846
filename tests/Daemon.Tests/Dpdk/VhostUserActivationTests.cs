using VmNet.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

public sealed class VhostUserActivationTests
{
    [Theory]
    [InlineData(VmNicBackend.Tap, null, MigrationActivation.Rarp)]
    [InlineData(VmNicBackend.Tap, false, MigrationActivation.Rarp)]
    [InlineData(VmNicBackend.VhostUser, true, MigrationActivation.Rarp)]
    [InlineData(VmNicBackend.VhostUser, false, MigrationActivation.None)]
    [InlineData(VmNicBackend.VhostUser, null, MigrationActivation.None)]
    public void RarpOnlyWhenSomeoneWillSendIt(VmNicBackend backend, bool? guestAnnounceOff, MigrationActivation expected)
    {
        var decision = VhostUserActivation.Decide(backend, guestAnnounceOff);
        Assert.Equal(expected, decision.Activation);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public void NetConfWithVhostUserKeysIsAVhostUserBackend()
    {
        var dpdk = VmNet.Cni.NetConfParser.Parse("{\"cniVersion\":\"1.0.0\",\"name\":\"d\",\"type\":\"kube-ovn\",\"vhost_user_socket_volume_name\":\"vhostuser-sockets\",\"vhost_user_socket_name\":\"sock\"}"u8);
        var plain = VmNet.Cni.NetConfParser.Parse("{\"cniVersion\":\"1.0.0\",\"name\":\"p\",\"type\":\"kube-ovn\"}"u8);
        Assert.Equal(VmNicBackend.VhostUser, VhostUserActivation.BackendOf(dpdk));
        Assert.Equal(VmNicBackend.Tap, VhostUserActivation.BackendOf(plain));
        Assert.Equal(MigrationActivation.None, VhostUserActivation.Decide(VhostUserActivation.BackendOf(dpdk), null).Activation);
    }

    [Fact]
    public void UnknownBackendIsAnError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => VhostUserActivation.Decide((VmNicBackend)42, null));
}
