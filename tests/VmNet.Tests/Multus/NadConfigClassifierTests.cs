using VmNet.Multus;

namespace VmNet.Tests.Multus;

public class NadConfigClassifierTests
{
    [Theory]
    [InlineData("""{"cniVersion":"0.3.1","type":"kube-ovn","server_socket":"/run/x.sock","provider":"att.ns.ovn"}""", NadKind.Ovn, "att.ns.ovn")]
    [InlineData("""{"cniVersion":"0.3.1","type":"vmnet","provider":"att.ns.ovn"}""", NadKind.Ovn, "att.ns.ovn")]
    [InlineData("""{"cniVersion":"1.0.0","name":"l","plugins":[{"type":"kube-ovn","provider":"p.ns.ovn"},{"type":"tuning"}]}""", NadKind.Ovn, "p.ns.ovn")]
    [InlineData("""{"cniVersion":"0.3.1","type":"macvlan","master":"eth0","ipam":{"type":"kube-ovn","provider":"mv.ns"}}""", NadKind.IpamOnly, "mv.ns")]
    [InlineData("""{"plugins":[{"type":"bridge","ipam":{"type":"kube-ovn","provider":"br.ns"}}]}""", NadKind.IpamOnly, "br.ns")]
    [InlineData("""{"cniVersion":"0.3.1","type":"macvlan","ipam":{"type":"host-local"}}""", NadKind.Foreign, null)]
    public void Classifies(string config, NadKind kind, string? provider)
    {
        var result = NadConfigClassifier.Classify("ns/att", config);
        Assert.Equal(kind, result.Kind);
        Assert.Equal(provider, result.ConfiguredProvider);
    }

    [Fact]
    public void ReadsRoutes()
    {
        var result = NadConfigClassifier.Classify("ns/att", """{"type":"kube-ovn","routes":[{"dst":"192.168.0.0/16","gw":"10.1.0.1"},{"dst":""}]}""");
        Assert.Equal([new NadRoute("192.168.0.0/16", "10.1.0.1"), new NadRoute(string.Empty, null)], result.Routes);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("{\"type\":\"kube-ovn\"", "is not valid JSON")]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("{\"plugins\":{}}", "\"plugins\" must be a list")]
    [InlineData("{\"plugins\":[3]}", "plugin that is not a JSON object")]
    [InlineData("{\"type\":\"kube-ovn\",\"routes\":{}}", "\"routes\" must be a list")]
    public void MalformedConfigNamesNad(string config, string problem)
    {
        var ex = Assert.Throws<MultusException>(() => NadConfigClassifier.Classify("ns/att", config));
        Assert.Equal("NetworkAttachmentDefinition ns/att spec.config", ex.Field);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
