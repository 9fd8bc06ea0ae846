namespace VmNet.Cni;

/// <summary>
/// Combines a chained plugin's <c>prevResult</c> with what VmNet added, as the spec asks of a
/// plugin in a chain: the previous interfaces stay first (their indexes stay valid), ours follow
/// with our IPs' interface indexes shifted; routes and DNS are unions without duplicates.
/// </summary>
public static class CniResultMerger
{
    public static CniResult Merge(CniResult previous, CniResult ours)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(ours);
        var interfaces = new List<CniInterface>(previous.Interfaces ?? []);
        var offset = interfaces.Count;
        interfaces.AddRange(ours.Interfaces ?? []);

        var ips = new List<CniIpConfig>(previous.Ips ?? []);
        foreach (var ip in ours.Ips ?? [])
        {
            ips.Add(new CniIpConfig
            {
                Address = ip.Address,
                Gateway = ip.Gateway,
                Interface = ip.Interface is { } index ? index + offset : null,
            });
        }

        var routes = new List<CniRoute>(previous.Routes ?? []);
        foreach (var route in ours.Routes ?? [])
        {
            if (!routes.Exists(r => r.Dst == route.Dst && r.Gw == route.Gw && r.Table == route.Table))
            {
                routes.Add(route);
            }
        }

        return new CniResult
        {
            CniVersion = ours.CniVersion ?? previous.CniVersion,
            Interfaces = interfaces.Count > 0 ? interfaces : null,
            Ips = ips.Count > 0 ? ips : null,
            Routes = routes.Count > 0 ? routes : null,
            Dns = MergeDns(previous.Dns, ours.Dns),
        };
    }

    private static CniDns? MergeDns(CniDns? previous, CniDns? ours)
    {
        if (previous is null || previous.IsEmpty)
        {
            return ours;
        }

        if (ours is null || ours.IsEmpty)
        {
            return previous;
        }

        return new CniDns
        {
            Nameservers = Union(previous.Nameservers, ours.Nameservers),
            Domain = ours.Domain ?? previous.Domain,
            Search = Union(previous.Search, ours.Search),
            Options = Union(previous.Options, ours.Options),
        };
    }

    private static List<string>? Union(List<string>? a, List<string>? b)
    {
        if (a is null)
        {
            return b;
        }

        return b is null ? a : a.Concat(b).Distinct(StringComparer.Ordinal).ToList();
    }
}
