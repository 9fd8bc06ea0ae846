namespace VmNet.Ovsdb.Cache;

/// <summary>
/// Shares repeated short strings (external_ids keys, vendor and kind values) between cached rows.
/// Bounded, so unique values never make it grow without limit.
/// </summary>
internal sealed class StringPool
{
    private const int MaxEntries = 16 * 1024;
    private const int MaxLength = 64;
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);

    public object Intern(object atom)
    {
        if (atom is not string { Length: <= MaxLength } s)
        {
            return atom;
        }

        if (_pool.TryGetValue(s, out var shared))
        {
            return shared;
        }

        if (_pool.Count < MaxEntries)
        {
            _pool[s] = s;
        }

        return s;
    }
}
