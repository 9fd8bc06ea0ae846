using System.Text;
using System.Text.Json;
using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniResultParserTests
{
    [Theory]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    public void ZeroX_result_round_trips_through_the_canonical_form(string version)
    {
        var input = SpecExamples.For(SpecExamples.Result04x, version);

        var result = Parse(input, "1.1.0");

        Assert.Equal(version, result.CniVersion);
        Assert.Equal(2, result.Ips![0].Interface);
        CniResultFormatterTests.AssertJsonEqual(input, Encoding.UTF8.GetString(CniResultFormatter.Format(result, version)));
    }

    [Fact]
    public void Missing_cniVersion_falls_back_to_the_netconf_version()
    {
        var result = Parse("""{"ips":[{"address":"10.0.0.2/24"}]}""", "1.0.0");

        Assert.Equal("1.0.0", result.CniVersion);
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.300/24"}]}""", 7, "prevResult.ips[0].address \"10.0.0.300/24\"")]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.3"}]}""", 7, "prevResult.ips[0].address \"10.0.0.3\"")]
    [InlineData("""{"cniVersion":"1.0.0","interfaces":[{"name":"a"}],"ips":[{"address":"10.0.0.3/24","interface":1}]}""", 7, "prevResult.ips[0].interface 1 is out of range")]
    [InlineData("""{"cniVersion":"0.4.0","ips":[{"version":"6","address":"10.0.0.3/24"}]}""", 7, "prevResult.ips[0].version \"6\" does not match")]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.3/24","gateway":"nope"}]}""", 7, "prevResult.ips[0].gateway \"nope\"")]
    [InlineData("""{"cniVersion":"1.0.0","routes":[{"dst":"default"}]}""", 7, "prevResult.routes[0].dst \"default\"")]
    [InlineData("""{"cniVersion":"0.2.0","ip4":{"ip":"10.0.0.3/24"}}""", 1, "prevResult.cniVersion \"0.2.0\"")]
    [InlineData("""{"cniVersion":"1.0.0","ips":"x"}""", 6, "failed to decode prevResult")]
    [InlineData("""[1]""", 6, "prevResult must be a JSON object")]
    public void Invalid_prevResult_names_the_field(string json, int code, string message)
    {
        var ex = Assert.Throws<CniException>(() => Parse(json, "1.0.0"));

        Assert.Equal(code, ex.Code);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static CniResult Parse(string json, string fallback)
    {
        using var doc = JsonDocument.Parse(json);
        return CniResultParser.Parse(doc.RootElement, fallback);
    }
}
