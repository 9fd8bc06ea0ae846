namespace VmNet.Dhcp;

/// <summary>
/// Kube-OVN's option strings (facts §5.6): <c>k=v,k=v</c>; a value listing several servers separates them with
/// <c>;</c> (<c>dns_server=8.8.8.8;1.1.1.1</c>) and becomes OVN's set syntax <c>{8.8.8.8, 1.1.1.1}</c>.
/// </summary>
public static class DhcpOptionString
{
    public static Dictionary<string, string> Parse(string field, string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        foreach (var raw in text.Split(','))
        {
            var pair = raw.Trim();
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == pair.Length - 1)
            {
                throw new DhcpOptionsException(field, pair, "is not a key=value pair");
            }

            var key = pair[..eq].Trim();
            var value = pair[(eq + 1)..].Trim();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw new DhcpOptionsException(field, pair, $"has an invalid option name \"{key}\"");
            }

            if (!result.TryAdd(key, ToOvnValue(value)))
            {
                throw new DhcpOptionsException(field, pair, $"sets \"{key}\" more than once");
            }
        }

        return result;
    }

    /// <summary><c>a;b</c> → <c>{a, b}</c>; a single value is kept as is.</summary>
    public static string ToOvnValue(string value)
    {
        if (!value.Contains(';', StringComparison.Ordinal))
        {
            return value;
        }

        var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 1 ? parts[0] : "{" + string.Join(", ", parts) + "}";
    }
}
