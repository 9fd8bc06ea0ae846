using System.Collections.Concurrent;

namespace VmNet.Controller.Runtime.Kube;

/// <summary>
/// De-duplicates strings that repeat across cached objects (namespaces, node names, label and annotation
/// keys, owner names): thousands of pods then share one copy. Bounded, so unique values cannot grow it without limit.
/// </summary>
public sealed class StringPool
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public StringPool(int capacity = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public static StringPool Shared { get; } = new();

    public int Count => _strings.Count;

    public string? Intern(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (_strings.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        return _strings.Count < _capacity ? _strings.GetOrAdd(value, value) : value;
    }

    /// <summary>A copy of <paramref name="source"/> with pooled keys (and, if asked, pooled values), sized to fit.</summary>
    public Dictionary<string, string>? InternDictionary(Dictionary<string, string>? source, bool internValues)
    {
        if (source is null)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(source.Count, StringComparer.Ordinal);
        foreach (var (key, value) in source)
        {
            copy[Intern(key)!] = internValues ? Intern(value)! : value;
        }

        return copy;
    }
}
