using System.Text.Json;
using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniErrorTests
{
    [Fact]
    public void Error_json_has_the_spec_fields_and_omits_empty_details()
    {
        var error = new CniException(CniErrorCodes.InvalidNetworkConfig, "mtu 70000 is out of range 68-65535").ToError("1.0.0");

        var json = JsonSerializer.Serialize(error, CniJsonContext.Default.CniError);

        CniResultFormatterTests.AssertJsonEqual("""{"cniVersion":"1.0.0","code":7,"msg":"mtu 70000 is out of range 68-65535"}""", json);
    }

    [Fact]
    public void Error_json_carries_details_when_given()
    {
        var error = new CniException(CniErrorCodes.TryAgainLater, "busy", "daemon restarting").ToError("0.3.1");

        var json = JsonSerializer.Serialize(error, CniJsonContext.Default.CniError);

        CniResultFormatterTests.AssertJsonEqual("""{"cniVersion":"0.3.1","code":11,"msg":"busy","details":"daemon restarting"}""", json);
    }

    [Theory]
    [InlineData(CniErrorCodes.IncompatibleVersion, 1)]
    [InlineData(CniErrorCodes.UnsupportedField, 2)]
    [InlineData(CniErrorCodes.UnknownContainer, 3)]
    [InlineData(CniErrorCodes.InvalidEnvironmentVariables, 4)]
    [InlineData(CniErrorCodes.IoFailure, 5)]
    [InlineData(CniErrorCodes.DecodingFailure, 6)]
    [InlineData(CniErrorCodes.InvalidNetworkConfig, 7)]
    [InlineData(CniErrorCodes.TryAgainLater, 11)]
    [InlineData(CniErrorCodes.PluginNotAvailable, 50)]
    [InlineData(CniErrorCodes.LimitedConnectivity, 51)]
    public void Well_known_codes_have_the_spec_values(int actual, int spec) => Assert.Equal(spec, actual);

    [Fact]
    public void Own_codes_are_100_or_more()
    {
        int[] own =
        [
            CniErrorCodes.DaemonProtocolError, CniErrorCodes.DaemonTimeout, CniErrorCodes.InternalError,
            CniErrorCodes.ProviderNotBound, CniErrorCodes.AddressNotAllocated, CniErrorCodes.PodNotFound,
            CniErrorCodes.InterfaceSetupFailed, CniErrorCodes.DeviceUnavailable, CniErrorCodes.GatewayCheckFailed,
            CniErrorCodes.DaemonInternalError,
        ];
        Assert.All(own, code => Assert.InRange(code, 100, 999));
        Assert.Equal(own.Length, own.Distinct().Count());
    }

    [Fact]
    public void Own_codes_are_documented_in_protocol_md()
    {
        var doc = File.ReadAllText(Path.Combine(VmNet.TestSupport.TestPaths.RepoRoot, "src/VmNet/Cni/PROTOCOL.md"));
        foreach (var field in typeof(CniErrorCodes).GetFields())
        {
            var code = (int)field.GetRawConstantValue()!;
            if (code >= 100)
            {
                Assert.Contains($"| {code} |", doc, StringComparison.Ordinal);
            }
        }
    }
}
