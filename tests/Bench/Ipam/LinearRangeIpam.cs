namespace VmNet.Bench.Ipam;

/// <summary>
/// The benchmark's peer: a naive Kube-OVN-style IPv4 IPAM (sorted range lists scanned linearly). Like
/// Kube-OVN it recomputes <c>Free := Free − Reserved</c> on every allocation, recycles Released only
/// when Free is empty, and keeps the same owner maps and random MACs as VmNet, so the comparison is
/// about the data structure, not about bookkeeping left out.
/// </summary>
internal sealed class LinearRangeIpam
{
    private readonly List<(uint Start, uint End)> _reserved;
    private readonly Dictionary<string, uint> _nicToIp = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _ipToOwner = [];
    private readonly Dictionary<string, ulong> _nicToMac = new(StringComparer.Ordinal);
    private readonly HashSet<ulong> _macs = [];
    private readonly Random _random = new(1);
    private List<(uint Start, uint End)> _free;
    private List<(uint Start, uint End)> _released = [];

    public LinearRangeIpam(uint firstUsable, uint lastUsable, uint gateway)
    {
        _free = [(firstUsable, lastUsable)];
        _reserved = [(gateway, gateway)];
    }

    public uint Allocate(string nic, string owner)
    {
        if (_nicToIp.TryGetValue(nic, out var existing))
        {
            return existing;
        }

        _free = Separate(_free, _reserved);
        if (_free.Count == 0)
        {
            _free = Separate(_released, _reserved);
            _released = [];
        }

        if (_free.Count == 0)
        {
            throw new InvalidOperationException("no available address");
        }

        var ip = _free[0].Start;
        RemoveAddress(_free, ip);
        Record(nic, owner, ip);
        return ip;
    }

    public void AllocateStatic(string nic, string owner, uint ip)
    {
        if (_ipToOwner.TryGetValue(ip, out var holder) && holder != owner)
        {
            throw new InvalidOperationException($"{ip} is held by {holder}");
        }

        if (!RemoveAddress(_free, ip))
        {
            RemoveAddress(_released, ip);
        }

        Record(nic, owner, ip);
    }

    public void Release(string nic)
    {
        if (!_nicToIp.Remove(nic, out var ip))
        {
            return;
        }

        _ipToOwner.Remove(ip);
        _macs.Remove(_nicToMac[nic]);
        _nicToMac.Remove(nic);
        AddAddress(_released, ip);
    }

    private void Record(string nic, string owner, uint ip)
    {
        _nicToIp[nic] = ip;
        _ipToOwner[ip] = owner;
        ulong mac;
        do
        {
            mac = ((ulong)_random.NextInt64() & 0xFEFF_FFFF_FFFFUL) | 0x0200_0000_0000UL;
        }
        while (!_macs.Add(mac));

        _nicToMac[nic] = mac;
    }

    private static List<(uint Start, uint End)> Separate(List<(uint Start, uint End)> ranges, List<(uint Start, uint End)> remove)
    {
        var result = new List<(uint Start, uint End)>(ranges.Count);
        foreach (var (start, end) in ranges)
        {
            var s = start;
            var done = false;
            foreach (var (rs, re) in remove)
            {
                if (re < s || rs > end)
                {
                    continue;
                }

                if (rs > s)
                {
                    result.Add((s, rs - 1));
                }

                if (re >= end)
                {
                    done = true;
                    break;
                }

                s = re + 1;
            }

            if (!done)
            {
                result.Add((s, end));
            }
        }

        return result;
    }

    private static bool RemoveAddress(List<(uint Start, uint End)> ranges, uint ip)
    {
        for (var i = 0; i < ranges.Count; i++)
        {
            var (start, end) = ranges[i];
            if (ip < start || ip > end)
            {
                continue;
            }

            if (start == end)
            {
                ranges.RemoveAt(i);
            }
            else if (ip == start)
            {
                ranges[i] = (start + 1, end);
            }
            else if (ip == end)
            {
                ranges[i] = (start, end - 1);
            }
            else
            {
                ranges[i] = (start, ip - 1);
                ranges.Insert(i + 1, (ip + 1, end));
            }

            return true;
        }

        return false;
    }

    private static void AddAddress(List<(uint Start, uint End)> ranges, uint ip)
    {
        var i = 0;
        while (i < ranges.Count && ranges[i].End < ip)
        {
            i++;
        }

        var joinsLeft = i > 0 && ranges[i - 1].End + 1 == ip;
        var joinsRight = i < ranges.Count && ranges[i].Start == ip + 1;
        if (joinsLeft && joinsRight)
        {
            ranges[i - 1] = (ranges[i - 1].Start, ranges[i].End);
            ranges.RemoveAt(i);
        }
        else if (joinsLeft)
        {
            ranges[i - 1] = (ranges[i - 1].Start, ip);
        }
        else if (joinsRight)
        {
            ranges[i] = (ip, ranges[i].End);
        }
        else
        {
            ranges.Insert(i, (ip, ip));
        }
    }
}
