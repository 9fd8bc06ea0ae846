using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Wire;

namespace VmNet.Tests.Ovsdb;

public class OvsdbEndpointTests
{
    [Theory]
    [InlineData("unix:/run/ovn/ovnnb_db.sock", OvsdbTransportKind.Unix, "", 0)]
    [InlineData("tcp:10.0.0.1:6641", OvsdbTransportKind.Tcp, "10.0.0.1", 6641)]
    [InlineData("ssl:ovn-central.kube-system:6641", OvsdbTransportKind.Ssl, "ovn-central.kube-system", 6641)]
    [InlineData("tcp:[fd00::1]:6641", OvsdbTransportKind.Tcp, "fd00::1", 6641)]
    public void ParsesOvsRemotes(string remote, OvsdbTransportKind kind, string host, int port)
    {
        var endpoint = OvsdbEndpoint.Parse(remote);
        Assert.Equal(kind, endpoint.Kind);
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(remote, endpoint.ToString());
    }

    [Theory]
    [InlineData("/run/ovn/ovnnb_db.sock", "prefix")]
    [InlineData("http://a:1", "scheme 'http'")]
    [InlineData("tcp:host", "HOST:PORT")]
    [InlineData("tcp:host:70000", "1..65535")]
    [InlineData("unix:", "empty socket path")]
    public void RejectsBadRemotesNamingTheValue(string remote, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => OvsdbEndpoint.Parse(remote));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(remote, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParsesARemoteList()
    {
        var endpoints = OvsdbClientOptions.ParseRemotes("tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,tcp:10.0.0.3:6641");
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], endpoints.Select(e => e.Host));
    }
}
