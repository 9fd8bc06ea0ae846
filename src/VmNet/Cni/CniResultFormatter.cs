using System.Text.Json;

namespace VmNet.Cni;

/// <summary>
/// Writes a canonical (1.1.0) result in the shape of the requested cniVersion:
/// 1.1.0 as is; 1.0.0 without the 1.1 interface/route fields; 0.3.0/0.3.1/0.4.0 additionally
/// with <c>ips[].version</c> derived from each address.
/// </summary>
public static class CniResultFormatter
{
    public static byte[] Format(CniResult result, string cniVersion)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!CniVersions.IsSupported(cniVersion))
        {
            throw new CniException(
                CniErrorCodes.IncompatibleVersion,
                $"cannot write a result in cniVersion \"{cniVersion}\"; supported versions: {CniVersions.SupportedList}");
        }

        if (CniVersions.ResultHasV11Fields(cniVersion))
        {
            var copy = new CniResult
            {
                CniVersion = cniVersion,
                Interfaces = result.Interfaces,
                Ips = result.Ips,
                Routes = result.Routes,
                Dns = NonEmpty(result.Dns),
            };
            return JsonSerializer.SerializeToUtf8Bytes(copy, CniJsonContext.Output.CniResult);
        }

        var interfaces = result.Interfaces?.Select(i => new CniInterface04x { Name = i.Name, Mac = i.Mac, Sandbox = i.Sandbox }).ToList();
        var routes = result.Routes?.Select(r => new CniRoute04x { Dst = r.Dst, Gw = r.Gw }).ToList();
        if (!CniVersions.ResultHasIpVersion(cniVersion))
        {
            var v100 = new CniResult100
            {
                CniVersion = cniVersion,
                Interfaces = interfaces,
                Ips = result.Ips,
                Routes = routes,
                Dns = NonEmpty(result.Dns),
            };
            return JsonSerializer.SerializeToUtf8Bytes(v100, CniJsonContext.Output.CniResult100);
        }

        var v04 = new CniResult04x
        {
            CniVersion = cniVersion,
            Interfaces = interfaces,
            Ips = result.Ips?.Select(ip => new CniIpConfig04x
            {
                Version = IpVersionOf(ip.Address),
                Interface = ip.Interface,
                Address = ip.Address,
                Gateway = ip.Gateway,
            }).ToList(),
            Routes = routes,
            Dns = NonEmpty(result.Dns),
        };
        return JsonSerializer.SerializeToUtf8Bytes(v04, CniJsonContext.Output.CniResult04x);
    }

    /// <summary>"6" for an IPv6 CIDR, "4" otherwise (the 0.3.x/0.4.0 <c>version</c> field).</summary>
    public static string IpVersionOf(string address) =>
        address.Contains(':', StringComparison.Ordinal) ? "6" : "4";

    // Go's libcni writes "dns": {} for an empty DNS; older parsers accept either, so omit it when empty.
    private static CniDns? NonEmpty(CniDns? dns) => dns is null || dns.IsEmpty ? null : dns;
}
