namespace VmNet.Ipam;

/// <summary>
/// One pool of one family inside a subnet: the default pool (<c>""</c>, the usable range minus the named
/// pools) or a named IP pool. <see cref="Free"/> holds never-used addresses, <see cref="Released"/>
/// addresses given back by deleted NICs; Released is only drawn from once Free is exhausted (Kube-OVN's
/// lowest-first, then recycle order).
/// </summary>
internal sealed class AddressPool(string name, IntervalSet range)
{
    public string Name { get; } = name;

    /// <summary>Every address that belongs to the pool, whatever its state.</summary>
    public IntervalSet Range { get; } = range;

    public IntervalSet Free { get; private set; } = new();

    public IntervalSet Released { get; private set; } = new();

    public UInt128 AvailableCount => Free.Count + Released.Count;

    /// <summary>Lowest Free address not in <paramref name="skip"/>; recycles Released into Free when Free is empty.</summary>
    public bool TryTakeLowest(IReadOnlySet<UInt128>? skip, out UInt128 value)
    {
        if (Free.TryTakeLowest(out value, skip))
        {
            return true;
        }

        if (Released.IsEmpty)
        {
            return false;
        }

        Free.UnionWith(Released);
        Released.Clear();
        return Free.TryTakeLowest(out value, skip);
    }

    /// <summary>Removes a specific address from Free or Released; reports which one held it.</summary>
    public AddressOrigin Take(UInt128 value) =>
        Free.Remove(value) ? AddressOrigin.Free
        : Released.Remove(value) ? AddressOrigin.Released
        : AddressOrigin.None;

    public void PutBack(UInt128 value, AddressOrigin origin)
    {
        if (origin == AddressOrigin.Free)
        {
            Free.Add(value);
        }
        else if (origin == AddressOrigin.Released)
        {
            Released.Add(value);
        }
    }

    /// <summary>Recomputes Free and Released from the pool range and the subnet-wide sets.</summary>
    public void Recompute(IntervalSet reserved, IntervalSet inUse, IntervalSet releasedHint)
    {
        var released = Intersection(Range, releasedHint);
        released.ExceptWith(reserved);
        released.ExceptWith(inUse);
        var free = Range.Clone();
        free.ExceptWith(reserved);
        free.ExceptWith(inUse);
        free.ExceptWith(released);
        Free = free;
        Released = released;
    }

    private static IntervalSet Intersection(IntervalSet a, IntervalSet b)
    {
        var result = new IntervalSet();
        using var left = a.Intervals().GetEnumerator();
        using var right = b.Intervals().GetEnumerator();
        var hasLeft = left.MoveNext();
        var hasRight = right.MoveNext();
        while (hasLeft && hasRight)
        {
            var start = UInt128.Max(left.Current.Start, right.Current.Start);
            var end = UInt128.Min(left.Current.End, right.Current.End);
            if (start <= end)
            {
                result.AddRange(start, end);
            }

            if (left.Current.End < right.Current.End)
            {
                hasLeft = left.MoveNext();
            }
            else
            {
                hasRight = right.MoveNext();
            }
        }

        return result;
    }
}

internal enum AddressOrigin
{
    None,
    Free,
    Released,
}
