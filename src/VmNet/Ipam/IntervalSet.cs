namespace VmNet.Ipam;

/// <summary>
/// A set of numbers kept as sorted, disjoint, non-adjacent inclusive intervals in a treap keyed by
/// interval start. Every operation is O(log n) in the number of intervals (plus the intervals it
/// touches), never in the number of addresses, so a fully fragmented /16 and a /64 with a handful of
/// allocations cost the same per operation. Not thread-safe: the owning subnet serialises access.
/// </summary>
public sealed class IntervalSet
{
    private Node? _root;
    private ulong _priorityState;

    public IntervalSet(ulong seed = 0x9E3779B97F4A7C15UL)
    {
        _priorityState = seed == 0 ? 1 : seed;
    }

    /// <summary>Number of disjoint intervals.</summary>
    public int IntervalCount { get; private set; }

    /// <summary>Number of members (addresses).</summary>
    public UInt128 Count { get; private set; }

    public bool IsEmpty => _root is null;

    /// <summary>
    /// Tree nodes visited since creation. Tests use it to assert logarithmic cost without timing.
    /// </summary>
    public long NodeVisits { get; private set; }

    public bool Contains(UInt128 value)
    {
        var node = Floor(value);
        return node is not null && node.End >= value;
    }

    public bool TryGetMin(out UInt128 value)
    {
        var node = _root;
        if (node is null)
        {
            value = default;
            return false;
        }

        while (node.Left is not null)
        {
            NodeVisits++;
            node = node.Left;
        }

        value = node.Start;
        return true;
    }

    /// <summary>Smallest member greater than or equal to <paramref name="value"/>.</summary>
    public bool TryGetCeiling(UInt128 value, out UInt128 member)
    {
        var floor = Floor(value);
        if (floor is not null && floor.End >= value)
        {
            member = value;
            return true;
        }

        var next = StartCeiling(value);
        member = next?.Start ?? default;
        return next is not null;
    }

    /// <summary>Removes and returns the smallest member for which <paramref name="skip"/> is false.</summary>
    public bool TryTakeLowest(out UInt128 value, IReadOnlySet<UInt128>? skip = null)
    {
        if (!TryGetMin(out value))
        {
            return false;
        }

        while (skip is not null && skip.Contains(value))
        {
            if (value == UInt128.MaxValue || !TryGetCeiling(value + 1, out value))
            {
                return false;
            }
        }

        return Remove(value);
    }

    /// <summary>Adds one member; returns false when it was already present.</summary>
    public bool Add(UInt128 value) => AddRange(value, value) > 0;

    /// <summary>Removes one member; returns false when it was absent.</summary>
    public bool Remove(UInt128 value)
    {
        var node = Floor(value);
        if (node is null || node.End < value)
        {
            return false;
        }

        // Editing start/end in place keeps the tree ordered because intervals are disjoint.
        if (node.Start == node.End)
        {
            _root = Delete(_root, node.Start);
            IntervalCount--;
        }
        else if (value == node.Start)
        {
            node.Start++;
        }
        else if (value == node.End)
        {
            node.End--;
        }
        else
        {
            var upper = NewNode(value + 1, node.End);
            node.End = value - 1;
            _root = Insert(_root, upper);
            IntervalCount++;
        }

        Count--;
        return true;
    }

    /// <summary>Adds [start, end], merging with overlapping and adjacent intervals. Returns members added.</summary>
    public UInt128 AddRange(UInt128 start, UInt128 end)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        var mergedStart = start;
        var mergedEnd = end;
        UInt128 absorbed = 0;

        var left = start == UInt128.Zero ? null : Floor(start - 1);
        if (TryExtendInPlace(left, start, end))
        {
            Count += end - start + 1;
            return end - start + 1;
        }

        if (left is not null && left.End >= start - 1)
        {
            mergedStart = left.Start;
            mergedEnd = UInt128.Max(mergedEnd, left.End);
        }

        // Absorb every interval starting within [mergedStart, end + 1].
        while (true)
        {
            var next = StartCeiling(mergedStart);
            if (next is null || (end != UInt128.MaxValue && next.Start > end + 1) || (end == UInt128.MaxValue && next.Start > end))
            {
                break;
            }

            mergedEnd = UInt128.Max(mergedEnd, next.End);
            absorbed += next.End - next.Start + 1;
            _root = Delete(_root, next.Start);
            IntervalCount--;
        }

        _root = Insert(_root, NewNode(mergedStart, mergedEnd));
        IntervalCount++;
        var added = mergedEnd - mergedStart + 1 - absorbed;
        Count += added;
        return added;
    }

    /// <summary>Removes every member in [start, end]. Returns members removed.</summary>
    public UInt128 RemoveRange(UInt128 start, UInt128 end)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        UInt128 removed = 0;
        var node = Floor(start);
        if (node is null || node.End < start)
        {
            node = StartCeiling(start);
        }

        while (node is not null && node.Start <= end)
        {
            var (nodeStart, nodeEnd) = (node.Start, node.End);
            _root = Delete(_root, nodeStart);
            IntervalCount--;
            if (nodeStart < start)
            {
                _root = Insert(_root, NewNode(nodeStart, start - 1));
                IntervalCount++;
            }

            if (nodeEnd > end)
            {
                _root = Insert(_root, NewNode(end + 1, nodeEnd));
                IntervalCount++;
            }

            var overlapStart = UInt128.Max(nodeStart, start);
            var overlapEnd = UInt128.Min(nodeEnd, end);
            removed += overlapEnd - overlapStart + 1;
            node = nodeEnd >= end ? null : StartCeiling(nodeEnd + 1);
        }

        Count -= removed;
        return removed;
    }

    public void UnionWith(IntervalSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (start, end) in other.Intervals())
        {
            AddRange(start, end);
        }
    }

    public void ExceptWith(IntervalSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (start, end) in other.Intervals())
        {
            RemoveRange(start, end);
        }
    }

    /// <summary>Members of this set inside [start, end], as intervals in ascending order.</summary>
    public IEnumerable<(UInt128 Start, UInt128 End)> IntervalsWithin(UInt128 start, UInt128 end)
    {
        foreach (var (s, e) in Intervals())
        {
            if (e < start)
            {
                continue;
            }

            if (s > end)
            {
                yield break;
            }

            yield return (UInt128.Max(s, start), UInt128.Min(e, end));
        }
    }

    public bool Overlaps(UInt128 start, UInt128 end)
    {
        var floor = Floor(end);
        return floor is not null && floor.End >= start;
    }

    public IntervalSet Clone()
    {
        var copy = new IntervalSet(_priorityState);
        copy.UnionWith(this);
        return copy;
    }

    /// <summary>Intervals in ascending order (iterative in-order walk; the set must not change meanwhile).</summary>
    public IEnumerable<(UInt128 Start, UInt128 End)> Intervals()
    {
        var stack = new Stack<Node>();
        var node = _root;
        while (node is not null || stack.Count > 0)
        {
            while (node is not null)
            {
                stack.Push(node);
                node = node.Left;
            }

            node = stack.Pop();
            yield return (node.Start, node.End);
            node = node.Right;
        }
    }

    public void Clear()
    {
        _root = null;
        IntervalCount = 0;
        Count = 0;
    }

    /// <summary>Moves all members of <paramref name="other"/> into this empty set in O(1).</summary>
    internal void SwapWith(IntervalSet other)
    {
        (_root, other._root) = (other._root, _root);
        (IntervalCount, other.IntervalCount) = (other.IntervalCount, IntervalCount);
        (Count, other.Count) = (other.Count, Count);
    }

    /// <summary>
    /// The common cases of sequential allocation and release: [start, end] is disjoint from the set and
    /// touches exactly one neighbour, which can simply grow (the tree order is unchanged). Saves a
    /// delete and an insert.
    /// </summary>
    private bool TryExtendInPlace(Node? left, UInt128 start, UInt128 end)
    {
        if (end == UInt128.MaxValue || (left is not null && left.End >= start))
        {
            return false;
        }

        var touchesLeft = left is not null && left.End == start - 1;
        var right = StartCeiling(start);
        if (right is not null && right.Start <= end)
        {
            return false;
        }

        var touchesRight = right is not null && right.Start == end + 1;
        if (touchesLeft && !touchesRight)
        {
            left!.End = end;
            return true;
        }

        if (touchesRight && !touchesLeft)
        {
            right!.Start = start;
            return true;
        }

        return false;
    }

    /// <summary>The interval with the greatest start not above <paramref name="value"/>.</summary>
    private Node? Floor(UInt128 value)
    {
        Node? best = null;
        var node = _root;
        while (node is not null)
        {
            NodeVisits++;
            if (node.Start <= value)
            {
                best = node;
                node = node.Right;
            }
            else
            {
                node = node.Left;
            }
        }

        return best;
    }

    /// <summary>The interval with the smallest start not below <paramref name="value"/>.</summary>
    private Node? StartCeiling(UInt128 value)
    {
        Node? best = null;
        var node = _root;
        while (node is not null)
        {
            NodeVisits++;
            if (node.Start >= value)
            {
                best = node;
                node = node.Left;
            }
            else
            {
                node = node.Right;
            }
        }

        return best;
    }

    private Node NewNode(UInt128 start, UInt128 end)
    {
        // xorshift64: deterministic priorities keep runs reproducible; any permutation-independent
        // source gives the treap its expected O(log n) depth.
        _priorityState ^= _priorityState << 13;
        _priorityState ^= _priorityState >> 7;
        _priorityState ^= _priorityState << 17;
        return new Node(start, end, _priorityState);
    }

    private Node Insert(Node? tree, Node node)
    {
        if (tree is null)
        {
            return node;
        }

        NodeVisits++;
        if (node.Priority > tree.Priority)
        {
            Split(tree, node.Start, out node.Left, out node.Right);
            return node;
        }

        if (node.Start < tree.Start)
        {
            tree.Left = Insert(tree.Left, node);
        }
        else
        {
            tree.Right = Insert(tree.Right, node);
        }

        return tree;
    }

    /// <summary>Splits into nodes with start below <paramref name="key"/> and the rest.</summary>
    private void Split(Node? tree, UInt128 key, out Node? below, out Node? rest)
    {
        if (tree is null)
        {
            below = rest = null;
            return;
        }

        NodeVisits++;
        if (tree.Start < key)
        {
            Split(tree.Right, key, out tree.Right, out rest);
            below = tree;
        }
        else
        {
            Split(tree.Left, key, out below, out tree.Left);
            rest = tree;
        }
    }

    private Node? Delete(Node? tree, UInt128 start)
    {
        if (tree is null)
        {
            return null;
        }

        NodeVisits++;
        if (start == tree.Start)
        {
            return Merge(tree.Left, tree.Right);
        }

        if (start < tree.Start)
        {
            tree.Left = Delete(tree.Left, start);
        }
        else
        {
            tree.Right = Delete(tree.Right, start);
        }

        return tree;
    }

    private Node? Merge(Node? low, Node? high)
    {
        if (low is null)
        {
            return high;
        }

        if (high is null)
        {
            return low;
        }

        NodeVisits++;
        if (low.Priority > high.Priority)
        {
            low.Right = Merge(low.Right, high);
            return low;
        }

        high.Left = Merge(low, high.Left);
        return high;
    }

    private sealed class Node(UInt128 start, UInt128 end, ulong priority)
    {
        public UInt128 Start = start;
        public UInt128 End = end;
        public readonly ulong Priority = priority;
        public Node? Left;
        public Node? Right;
    }
}
