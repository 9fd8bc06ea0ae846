namespace VmNet.Daemon.Tests.Netlink;

/// <summary>A cancellation token that bounds one test's kernel work, so a hang fails the test instead of the run.</summary>
internal static class TestDeadline
{
    public static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
}
