namespace VmNet.Ipam;

/// <summary>
/// The NIC keys holding one address or MAC. Almost always exactly one, so the common case stores a
/// single string and allocates nothing else; a second holder (live-migration sharing) adds a list.
/// </summary>
internal struct KeySet
{
    private string? _first;
    private List<string>? _others;

    public readonly bool IsEmpty => _first is null;

    public readonly int Count => _first is null ? 0 : 1 + (_others?.Count ?? 0);

    public readonly string? First => _first;

    public readonly IEnumerable<string> Keys
    {
        get
        {
            if (_first is null)
            {
                return [];
            }

            return _others is null ? [_first] : [_first, .. _others];
        }
    }

    public void Add(string key)
    {
        if (_first is null)
        {
            _first = key;
        }
        else if (_first != key && !(_others?.Contains(key, StringComparer.Ordinal) ?? false))
        {
            (_others ??= new List<string>(1)).Add(key);
        }
    }

    public void Remove(string key)
    {
        if (_first == key)
        {
            if (_others is { Count: > 0 })
            {
                _first = _others[0];
                _others.RemoveAt(0);
            }
            else
            {
                _first = null;
            }
        }
        else
        {
            _others?.Remove(key);
        }
    }
}
