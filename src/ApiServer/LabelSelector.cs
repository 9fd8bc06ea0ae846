namespace VmNet.ApiServer;

/// <summary>
/// A parsed label selector in the API's string syntax: <c>a=b, c!=d, e in (x,y), f notin (z), g, !h</c>.
/// </summary>
internal sealed class LabelSelector
{
    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Op Operator, IReadOnlyList<string> Values);

    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var term in SplitTerms(text))
        {
            requirements.Add(ParseTerm(term.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var r in _requirements)
        {
            var has = labels.TryGetValue(r.Key, out var value);
            var ok = r.Operator switch
            {
                Op.Equals => has && value == r.Values[0],
                Op.NotEquals => !has || value != r.Values[0],
                Op.In => has && r.Values.Contains(value!, StringComparer.Ordinal),
                Op.NotIn => !has || !r.Values.Contains(value!, StringComparer.Ordinal),
                Op.Exists => has,
                Op.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    // Commas inside "in (a,b)" do not separate terms.
    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static Requirement ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw Bad(whole, "empty requirement");
        }

        if (term.StartsWith('!'))
        {
            return new Requirement(ValidKey(term[1..].Trim(), whole), Op.DoesNotExist, []);
        }

        var setMatch = System.Text.RegularExpressions.Regex.Match(term, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
        if (setMatch.Success)
        {
            var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();
            var op = setMatch.Groups[2].Value == "in" ? Op.In : Op.NotIn;
            return new Requirement(ValidKey(setMatch.Groups[1].Value, whole), op, values);
        }

        foreach (var (token, op) in new[] { ("!=", Op.NotEquals), ("==", Op.Equals), ("=", Op.Equals) })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return new Requirement(ValidKey(term[..at].Trim(), whole), op, [term[(at + token.Length)..].Trim()]);
            }
        }

        return new Requirement(ValidKey(term, whole), Op.Exists, []);
    }

    private static string ValidKey(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!' or ','))
        {
            throw Bad(whole, $"invalid label key \"{key}\"");
        }

        return key;
    }

    private static KubeApiException Bad(string selector, string why) =>
        KubeApiException.BadRequest($"unable to parse requirement: labelSelector \"{selector}\": {why}");
}
