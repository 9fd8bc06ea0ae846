using System.Globalization;

namespace VmNet.Ipam;

/// <summary>
/// The <c>ip_pool</c> annotation as a list of addresses (facts §4.4): in a dual-stack subnet entries are
/// separated by ';' and an entry may hold <c>v4,v6</c>; otherwise every ','-separated address is an entry.
/// </summary>
public static class IpPoolAnnotation
{
    public const string Field = "ip_pool";

    public static bool LooksLikePoolName(string value) =>
        !value.Contains(',', StringComparison.Ordinal) && !value.Contains(';', StringComparison.Ordinal)
        && !value.Contains(':', StringComparison.Ordinal) && !IpAddr.TryParse(value.Trim(), out _);

    /// <summary>Entries in order; each is the static address list of one candidate allocation.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ParseList(string value, bool dualStack)
    {
        ArgumentNullException.ThrowIfNull(value);
        var entries = new List<IReadOnlyList<string>>();
        var groups = dualStack
            ? value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(g => g.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            : value.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(a => new[] { a });
        foreach (var group in groups)
        {
            foreach (var address in group)
            {
                if (!IpAddr.TryParse(address, out _, out var problem))
                {
                    throw new InvalidIpamInputException(Field, address, problem);
                }
            }

            entries.Add(group);
        }

        if (entries.Count == 0)
        {
            throw new InvalidIpamInputException(Field, value, "lists no address");
        }

        return entries;
    }

    /// <summary>The ordinal of a StatefulSet pod: the number after the last '-' (<c>web-1</c> → 1).</summary>
    public static int StatefulSetOrdinal(string podName)
    {
        ArgumentNullException.ThrowIfNull(podName);
        var dash = podName.LastIndexOf('-');
        var suffix = dash < 0 ? string.Empty : podName[(dash + 1)..];
        if (suffix.Length == 0 || !suffix.All(char.IsAsciiDigit)
            || !int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            throw new InvalidIpamInputException("podName", podName, "has no StatefulSet ordinal suffix");
        }

        return ordinal;
    }
}
