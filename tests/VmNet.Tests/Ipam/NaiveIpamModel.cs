namespace VmNet.Tests.Ipam;

/// <summary>
/// A deliberately simple model of Kube-OVN's IPv4 IPAM (sorted sets of offsets, linear everything) that
/// the property test compares <see cref="VmNet.Ipam.SubnetIpam"/> against.
/// </summary>
internal sealed class NaiveIpamModel(int first, int last, int gateway, IReadOnlySet<int> excluded)
{
    private readonly SortedSet<int> _free = new(Enumerable.Range(first, last - first + 1).Where(i => i != gateway && !excluded.Contains(i)));
    private readonly SortedSet<int> _released = [];
    private readonly Dictionary<int, HashSet<string>> _holders = [];

    public Dictionary<string, (string Owner, int? Ip)> Nics { get; } = [];

    public int Available => _free.Count + _released.Count;

    public IReadOnlyCollection<string> HoldersOf(int ip) => _holders.TryGetValue(ip, out var h) ? h : [];

    public string Dynamic(string nic, string owner)
    {
        if (Nics.TryGetValue(nic, out var existing) && existing.Ip is not null)
        {
            return "ok";
        }

        if (_free.Count == 0)
        {
            _free.UnionWith(_released);
            _released.Clear();
        }

        if (_free.Count == 0)
        {
            return "none";
        }

        var ip = _free.Min;
        _free.Remove(ip);
        Hold(nic, owner, ip);
        return "ok";
    }

    public string Static(string nic, string owner, int ip, bool checkConflict)
    {
        if (ip < first || ip > last)
        {
            return "range";
        }

        if (checkConflict && ip == gateway)
        {
            return "conflict";
        }

        if (Nics.TryGetValue(nic, out var existing) && existing.Ip == ip)
        {
            return "ok";
        }

        if (checkConflict && HoldersOf(ip).Any(h => Nics[h].Owner != owner))
        {
            return "conflict";
        }

        if (existing.Ip is { } old)
        {
            Unhold(nic, old);
        }

        _free.Remove(ip);
        _released.Remove(ip);
        Hold(nic, owner, ip);
        return "ok";
    }

    public void Release(string nic)
    {
        if (Nics.TryGetValue(nic, out var existing) && existing.Ip is { } ip)
        {
            Unhold(nic, ip);
        }

        Nics.Remove(nic);
    }

    private void Hold(string nic, string owner, int ip)
    {
        Nics[nic] = (owner, ip);
        if (!_holders.TryGetValue(ip, out var holders))
        {
            _holders[ip] = holders = [];
        }

        holders.Add(nic);
    }

    private void Unhold(string nic, int ip)
    {
        Nics[nic] = (Nics[nic].Owner, null);
        var holders = _holders[ip];
        holders.Remove(nic);
        if (holders.Count == 0)
        {
            _holders.Remove(ip);
            if (ip != gateway && !excluded.Contains(ip))
            {
                _released.Add(ip);
            }
        }
    }
}
