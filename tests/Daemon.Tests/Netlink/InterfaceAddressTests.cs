using System.Net;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Tests.Netlink;

public class InterfaceAddressTests
{
    [Theory]
    [InlineData("10.16.0.5/16", "10.16.0.5", 16, "10.16.0.0")]
    [InlineData("fd00:10:16::5/64", "fd00:10:16::5", 64, "fd00:10:16::")]
    [InlineData("10.1.2.3", "10.1.2.3", 32, "10.1.2.3")]
    [InlineData("10.1.2.3/0", "10.1.2.3", 0, "0.0.0.0")]
    public void ParsesAddressPrefixAndNetwork(string text, string address, int prefix, string network)
    {
        var parsed = InterfaceAddress.Parse(text);
        Assert.Equal(IPAddress.Parse(address), parsed.Address);
        Assert.Equal(prefix, parsed.PrefixLength);
        Assert.Equal(IPAddress.Parse(network), parsed.Network);
    }

    [Theory]
    [InlineData("10.16.0.5/33")]
    [InlineData("10.16.0.5/-1")]
    [InlineData("10.16.0/16")]
    [InlineData("fd00::1/129")]
    public void RejectsBadInputNamingIt(string text)
    {
        var ex = Assert.Throws<FormatException>(() => InterfaceAddress.Parse(text));
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("net.ipv6.conf.all.disable_ipv6", "/proc/sys/net/ipv6/conf/all/disable_ipv6")]
    [InlineData("net/ipv6/conf/eth0.10/accept_dad", "/proc/sys/net/ipv6/conf/eth0.10/accept_dad")]
    public void SysctlKeysMapToProcPaths(string key, string path) =>
        Assert.Equal(path, NamespaceSysctl.PathOf(key));

    [Theory]
    [InlineData("kernel.hostname")]
    [InlineData("net/../kernel/hostname")]
    public void SysctlKeysOutsideNetAreRejected(string key) =>
        Assert.Throws<ArgumentException>(() => NamespaceSysctl.PathOf(key));
}
