using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniResultMergerTests
{
    [Fact]
    public void Our_interfaces_follow_the_previous_ones_and_ip_indexes_shift()
    {
        var previous = new CniResult
        {
            CniVersion = "1.0.0",
            Interfaces = [new CniInterface { Name = "br0" }, new CniInterface { Name = "net0", Sandbox = "/ns" }],
            Ips = [new CniIpConfig { Address = "192.168.1.5/24", Interface = 1 }],
            Routes = [new CniRoute { Dst = "0.0.0.0/0", Gw = "192.168.1.1" }],
            Dns = new CniDns { Nameservers = ["192.168.1.1"] },
        };
        var ours = new CniResult
        {
            Interfaces = [new CniInterface { Name = "eth1", Sandbox = "/ns" }],
            Ips = [new CniIpConfig { Address = "10.16.0.5/16", Interface = 0 }, new CniIpConfig { Address = "10.17.0.5/16" }],
            Routes = [new CniRoute { Dst = "0.0.0.0/0", Gw = "192.168.1.1" }, new CniRoute { Dst = "10.96.0.0/12", Gw = "10.16.0.1" }],
            Dns = new CniDns { Nameservers = ["192.168.1.1", "10.96.0.10"], Search = ["svc.cluster.local"] },
        };

        var merged = CniResultMerger.Merge(previous, ours);

        Assert.Equal(["br0", "net0", "eth1"], merged.Interfaces!.Select(i => i.Name));
        Assert.Equal([1, 2, null], merged.Ips!.Select(i => i.Interface));
        Assert.Equal(["0.0.0.0/0", "10.96.0.0/12"], merged.Routes!.Select(r => r.Dst));
        Assert.Equal(["192.168.1.1", "10.96.0.10"], merged.Dns!.Nameservers!);
        Assert.Equal(["svc.cluster.local"], merged.Dns.Search!);
        Assert.Equal(0, ours.Ips[0].Interface); // inputs are not mutated
    }

    [Fact]
    public void Empty_previous_result_yields_ours()
    {
        var ours = CniResultFormatterTests.WithV11Fields();

        var merged = CniResultMerger.Merge(new CniResult(), ours);

        Assert.Equal(0, merged.Ips![0].Interface);
        Assert.Equal("eth0", merged.Interfaces![0].Name);
        Assert.Single(merged.Routes!);
    }
}
