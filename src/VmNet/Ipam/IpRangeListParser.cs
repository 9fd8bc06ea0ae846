namespace VmNet.Ipam;

/// <summary>
/// Parses Kube-OVN address lists: <c>excludeIps</c> entries and IPPool <c>ips</c>. Each entry is a single
/// address or an inclusive range <c>start..end</c> (IPPool also allows a CIDR); families may be mixed.
/// Errors name the entry by index, e.g. <c>excludeIps[2]: "10.16.0.300" is not a valid address</c>.
/// </summary>
public static class IpRangeListParser
{
    /// <summary>Parses the entries without clipping. <paramref name="allowCidr"/> admits <c>a.b.c.d/n</c>.</summary>
    public static IReadOnlyList<IpRange> Parse(IReadOnlyList<string> entries, string field, bool allowCidr)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var ranges = new List<IpRange>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            ranges.Add(ParseEntry(entries[i]?.Trim() ?? string.Empty, $"{field}[{i}]", allowCidr));
        }

        return ranges;
    }

    /// <summary>
    /// Kube-OVN's excludeIps semantics: ranges are clipped to the usable range of the CIDR of their
    /// family; entries of a family the subnet lacks, or wholly outside the usable range (including a
    /// single network or broadcast address), are dropped and returned in <paramref name="dropped"/>.
    /// </summary>
    public static IReadOnlyList<IpRange> ParseExcludeIps(
        IReadOnlyList<string> entries, IReadOnlyList<Cidr> cidrs, out IReadOnlyList<string> dropped)
    {
        ArgumentNullException.ThrowIfNull(cidrs);
        var parsed = Parse(entries, "excludeIps", allowCidr: false);
        var kept = new List<IpRange>(parsed.Count);
        var droppedEntries = new List<string>();
        for (var i = 0; i < parsed.Count; i++)
        {
            var cidr = cidrs.FirstOrDefault(c => c.Family == parsed[i].Family);
            var clipped = cidr is null ? null : Clip(parsed[i], cidr.Usable);
            if (clipped is { } range)
            {
                kept.Add(range);
            }
            else
            {
                droppedEntries.Add(entries[i]);
            }
        }

        dropped = droppedEntries;
        return kept;
    }

    public static IpRange? Clip(IpRange range, IpRange bounds)
    {
        if (range.Family != bounds.Family || range.End < bounds.Start || range.Start > bounds.End)
        {
            return null;
        }

        return new IpRange(range.Family, UInt128.Max(range.Start, bounds.Start), UInt128.Min(range.End, bounds.End));
    }

    private static IpRange ParseEntry(string entry, string field, bool allowCidr)
    {
        var dots = entry.IndexOf("..", StringComparison.Ordinal);
        if (dots >= 0)
        {
            var startText = entry[..dots];
            var endText = entry[(dots + 2)..];
            if (startText.Length == 0 || endText.Length == 0 || endText.Contains("..", StringComparison.Ordinal))
            {
                throw new InvalidIpamInputException(field, entry, "is not a valid ip range (expected start..end)");
            }

            var start = IpAddr.Parse(startText, field);
            var end = IpAddr.Parse(endText, field);
            if (start.Family != end.Family)
            {
                throw new InvalidIpamInputException(field, entry, "is not a valid ip range: start and end are of different families");
            }

            if (start.Value > end.Value)
            {
                throw new InvalidIpamInputException(field, entry, "is not a valid ip range: start is above end");
            }

            return new IpRange(start.Family, start.Value, end.Value);
        }

        if (allowCidr && entry.Contains('/', StringComparison.Ordinal))
        {
            var address = IpAddr.Parse(entry[..entry.IndexOf('/', StringComparison.Ordinal)], field);
            if (entry.EndsWith($"/{address.Family.Bits()}", StringComparison.Ordinal))
            {
                return new IpRange(address.Family, address.Value, address.Value);
            }

            var cidr = Cidr.Parse(entry, field);
            return new IpRange(cidr.Family, cidr.Network, cidr.LastAddress);
        }

        var single = IpAddr.Parse(entry, field);
        return new IpRange(single.Family, single.Value, single.Value);
    }
}
