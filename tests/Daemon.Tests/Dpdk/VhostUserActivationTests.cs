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
    public void UnknownBackendIsAnError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => VhostUserActivation.Decide((VmNicBackend)42, null));
}
