using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>The tbf root qdisc the daemon puts on a pod interface, checked with `tc` as the witness.</summary>
public class TokenBucketQdiscTests
{
    [Fact]
    public async Task TokenBucketIsSetReplacedAndDeleted()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        using var netns = new TestNetns(prefix + "ns");
        using var ns = NetworkNamespace.Open(netns.Path);
        using var links = await RouteNetlinkClient.OpenInAsync(ns, ct);
        await links.CreateVethAsync(new VethPairSpec(prefix + "a", prefix + "b"), ct);

        await links.SetTokenBucketAsync(prefix + "a", 2_500_000, 64 * 1024, 256 * 1024, ct);
        var shown = IpTool.Run("ip", "netns", "exec", netns.Name, "tc", "qdisc", "show", "dev", prefix + "a");
        Assert.Contains("tbf", shown, StringComparison.Ordinal);
        Assert.Contains("rate 20Mbit", shown, StringComparison.Ordinal);
        Assert.Contains("burst 64Kb", shown, StringComparison.Ordinal);

        await links.SetTokenBucketAsync(prefix + "a", 1_000_000, 32 * 1024, 128 * 1024, ct);
        Assert.Contains("rate 8Mbit", IpTool.Run("ip", "netns", "exec", netns.Name, "tc", "qdisc", "show", "dev", prefix + "a"), StringComparison.Ordinal);

        Assert.True(await links.DeleteRootQdiscAsync(prefix + "a", ct));
        Assert.DoesNotContain("tbf", IpTool.Run("ip", "netns", "exec", netns.Name, "tc", "qdisc", "show", "dev", prefix + "a"), StringComparison.Ordinal);
        Assert.False(await links.DeleteRootQdiscAsync(prefix + "a", ct));
    }
}
