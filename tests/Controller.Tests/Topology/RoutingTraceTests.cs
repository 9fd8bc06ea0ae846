using VmNet.Controller.Hosting;

namespace VmNet.Controller.Tests.Topology;

public sealed class RoutingTraceTests
{
    [Fact]
    public async Task PacketFromSubnetAToSubnetBIsRoutedByTheVpcRouter()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();
        await harness.CreateSubnetAsync("net-a", "10.70.0.0/24");
        await harness.CreateSubnetAsync("net-b", "10.71.0.0/24");
        await harness.WaitSubnetConditionAsync("net-a", KubeOvnConditions.Ready, "True");
        await harness.WaitSubnetConditionAsync("net-b", KubeOvnConditions.Ready, "True");
        var nb = harness.Central.Central;
        await nb.NbctlAsync(["lsp-add", "net-a", "a1", "--", "lsp-set-addresses", "a1", "0a:00:00:00:0a:01 10.70.0.10"]);
        await nb.NbctlAsync(["lsp-add", "net-b", "b1", "--", "lsp-set-addresses", "b1", "0a:00:00:00:0b:01 10.71.0.10"]);
        await nb.NbctlAsync(["--wait=sb", "sync"]);
        var gatewayMac = (await harness.FindAsync("Logical_Router_Port", "ovn-cluster-net-a"))!.String("mac");

        var flow = $"inport == \"a1\" && eth.src == 0a:00:00:00:0a:01 && eth.dst == {gatewayMac} && ip4.src == 10.70.0.10 && ip4.dst == 10.71.0.10 && ip.ttl == 64 && icmp4.type == 8";
        var trace = (await nb.TraceAsync(["net-a", flow])).Stdout;

        Assert.Contains("ingress(dp=\"ovn-cluster\", inport=\"ovn-cluster-net-a\")", trace, StringComparison.Ordinal);
        Assert.Contains("ip.ttl--", trace, StringComparison.Ordinal);
        Assert.Contains("egress(dp=\"net-b\", inport=\"net-b-ovn-cluster\", outport=\"b1\")", trace, StringComparison.Ordinal);
        Assert.Matches(@"output to ""b1""|output\(""b1""\)", trace);

        // A destination on no subnet of the router is not delivered to b1.
        var lost = (await nb.TraceAsync(["net-a", flow.Replace("10.71.0.10", "10.72.0.10", StringComparison.Ordinal)])).Stdout;
        Assert.DoesNotContain("outport=\"b1\"", lost, StringComparison.Ordinal);
    }
}
