using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniResultFormatterTests
{
    [Theory]
    [InlineData("1.1.0")]
    [InlineData("1.0.0")]
    public void OneX_output_matches_the_spec_example(string version)
    {
        var canonical = Parse(SpecExamples.For(SpecExamples.Result1x, "1.1.0"));

        var json = Format(canonical, version);

        AssertJsonEqual(SpecExamples.For(SpecExamples.Result1x, version), json);
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    public void ZeroX_output_carries_ip_version_like_the_spec_example(string version)
    {
        var canonical = Parse(SpecExamples.For(SpecExamples.Result1x, "1.1.0"));

        var json = Format(canonical, version);

        AssertJsonEqual(SpecExamples.For(SpecExamples.Result04x, version), json);
    }

    [Theory]
    [InlineData("0.3.1", "6")]
    [InlineData("0.4.0", "6")]
    public void Ipv6_address_gets_version_6(string version, string expected)
    {
        var result = new CniResult { Ips = [new CniIpConfig { Address = "fd00:10:16::5/64", Gateway = "fd00:10:16::1" }] };

        var node = JsonNode.Parse(Format(result, version))!;

        Assert.Equal(expected, (string?)node["ips"]![0]!["version"]);
    }

    [Fact]
    public void One_zero_drops_the_fields_added_in_one_one()
    {
        var result = WithV11Fields();

        var v110 = JsonNode.Parse(Format(result, "1.1.0"))!;
        var v100 = JsonNode.Parse(Format(result, "1.0.0"))!;
        var v040 = JsonNode.Parse(Format(result, "0.4.0"))!;

        Assert.Equal(1400, (int)v110["interfaces"]![0]!["mtu"]!);
        Assert.Equal("/var/run/vhost/sock", (string?)v110["interfaces"]![0]!["socketPath"]);
        Assert.Equal("0000:03:00.1", (string?)v110["interfaces"]![0]!["pciID"]);
        Assert.Equal(100, (int)v110["routes"]![0]!["priority"]!);
        foreach (var node in new[] { v100, v040 })
        {
            var iface = node["interfaces"]![0]!.AsObject();
            Assert.Equal(["name", "mac", "sandbox"], iface.Select(p => p.Key).ToArray());
            Assert.Equal(["dst", "gw"], node["routes"]![0]!.AsObject().Select(p => p.Key).ToArray());
        }

        Assert.Null(v100["ips"]![0]!["version"]);
        Assert.Equal("4", (string?)v040["ips"]![0]!["version"]);
    }

    [Fact]
    public void Empty_dns_is_omitted()
    {
        var result = new CniResult { Ips = [new CniIpConfig { Address = "10.0.0.2/24" }], Dns = new CniDns() };

        foreach (var version in CniVersions.Supported)
        {
            Assert.Null(JsonNode.Parse(Format(result, version))!["dns"]);
        }
    }

    [Fact]
    public void Unsupported_version_is_code_1_listing_supported_ones()
    {
        var ex = Assert.Throws<CniException>(() => CniResultFormatter.Format(new CniResult(), "0.2.0"));

        Assert.Equal(CniErrorCodes.IncompatibleVersion, ex.Code);
        Assert.Contains("\"0.2.0\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0.3.1, 0.4.0, 1.0.0, 1.1.0", ex.Message, StringComparison.Ordinal);
    }

    internal static CniResult WithV11Fields() => new()
    {
        Interfaces = [new CniInterface { Name = "eth0", Mac = "00:00:00:aa:bb:cc", Mtu = 1400, Sandbox = "/var/run/netns/x", SocketPath = "/var/run/vhost/sock", PciId = "0000:03:00.1" }],
        Ips = [new CniIpConfig { Address = "10.16.0.5/16", Gateway = "10.16.0.1", Interface = 0 }],
        Routes = [new CniRoute { Dst = "0.0.0.0/0", Gw = "10.16.0.1", Mtu = 1400, AdvMss = 1360, Priority = 100, Table = 254, Scope = 0 }],
    };

    private static CniResult Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return CniResultParser.Parse(doc.RootElement, "1.1.0");
    }

    private static string Format(CniResult result, string version) => Encoding.UTF8.GetString(CniResultFormatter.Format(result, version));

    internal static void AssertJsonEqual(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {JsonNode.Parse(expected)!.ToJsonString()}\nactual   {actual}");
}
