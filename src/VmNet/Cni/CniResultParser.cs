using System.Net;
using System.Text.Json;

namespace VmNet.Cni;

/// <summary>
/// Reads a result of any supported version (e.g. a chained plugin's <c>prevResult</c>) into the
/// canonical form. 0.3.x/0.4.0 differ from 1.x only by the extra <c>ips[].version</c>, which the
/// canonical model derives from the address, so one decoder serves all versions; what differs
/// is validated here.
/// </summary>
public static class CniResultParser
{
    public static CniResult Parse(JsonElement element, string fallbackVersion, string field = "prevResult")
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CniException(CniErrorCodes.DecodingFailure, $"{field} must be a JSON object, got {element.ValueKind}");
        }

        CniResult result;
        try
        {
            result = element.Deserialize(CniJsonContext.Default.CniResult)
                ?? throw new CniException(CniErrorCodes.DecodingFailure, $"{field} is null");
        }
        catch (JsonException ex)
        {
            throw new CniException(CniErrorCodes.DecodingFailure, $"failed to decode {field} (path {ex.Path}): {ex.Message}", null, ex);
        }

        var version = result.CniVersion ?? fallbackVersion;
        if (!CniVersions.IsSupported(version))
        {
            throw new CniException(
                CniErrorCodes.IncompatibleVersion,
                $"{field}.cniVersion \"{version}\" is not supported; supported versions: {CniVersions.SupportedList}");
        }

        result.CniVersion = version;
        Validate(result, field);
        CheckDeclaredIpVersions(result, element, version, field);
        return result;
    }

    /// <summary>
    /// Checks what every version requires of a result: addresses in CIDR form, gateways and route
    /// destinations parseable, interface indexes inside <c>interfaces</c>. Code 7 naming the field.
    /// </summary>
    public static void Validate(CniResult result, string field)
    {
        ArgumentNullException.ThrowIfNull(result);
        var interfaceCount = result.Interfaces?.Count ?? 0;
        for (var i = 0; i < (result.Ips?.Count ?? 0); i++)
        {
            var ip = result.Ips![i];
            if (!CidrText.IsValid(ip.Address))
            {
                throw new CniException(CniErrorCodes.InvalidNetworkConfig, $"{field}.ips[{i}].address \"{ip.Address}\" is not an address in CIDR notation");
            }

            if (ip.Gateway is not null && !IPAddress.TryParse(ip.Gateway, out _))
            {
                throw new CniException(CniErrorCodes.InvalidNetworkConfig, $"{field}.ips[{i}].gateway \"{ip.Gateway}\" is not an IP address");
            }

            if (ip.Interface is { } index && (index < 0 || index >= interfaceCount))
            {
                throw new CniException(
                    CniErrorCodes.InvalidNetworkConfig,
                    $"{field}.ips[{i}].interface {index} is out of range: the result has {interfaceCount} interface(s)");
            }
        }

        for (var i = 0; i < (result.Routes?.Count ?? 0); i++)
        {
            var route = result.Routes![i];
            if (!CidrText.IsValid(route.Dst))
            {
                throw new CniException(CniErrorCodes.InvalidNetworkConfig, $"{field}.routes[{i}].dst \"{route.Dst}\" is not a CIDR");
            }
        }
    }

    // 0.3.x/0.4.0 results say "version": "4"|"6" per IP; the canonical form derives it, so a
    // contradicting declaration would otherwise be silently "corrected".
    private static void CheckDeclaredIpVersions(CniResult result, JsonElement element, string version, string field)
    {
        if (!CniVersions.ResultHasIpVersion(version) || !element.TryGetProperty("ips", out var ips) || ips.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        for (var i = 0; i < (result.Ips?.Count ?? 0); i++)
        {
            var address = result.Ips![i].Address;
            if (ips[i].TryGetProperty("version", out var declared) && declared.ValueKind == JsonValueKind.String
                && declared.GetString() != CniResultFormatter.IpVersionOf(address))
            {
                throw new CniException(
                    CniErrorCodes.InvalidNetworkConfig,
                    $"{field}.ips[{i}].version \"{declared.GetString()}\" does not match address \"{address}\"");
            }
        }
    }
}
