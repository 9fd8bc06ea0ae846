using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

public class IntervalSetTests
{
    [Fact]
    public void MergesAdjacentAndOverlappingRanges()
    {
        var set = new IntervalSet();
        set.AddRange(10, 20);
        set.AddRange(30, 40);
        Assert.Equal(2, set.IntervalCount);
        Assert.Equal((UInt128)5, set.AddRange(21, 25));
        set.AddRange(26, 29);
        Assert.Equal([((UInt128)10, (UInt128)40)], set.Intervals());
        Assert.Equal((UInt128)31, set.Count);
    }

    [Fact]
    public void RemovesRangesSplittingIntervals()
    {
        var set = new IntervalSet();
        set.AddRange(0, 100);
        Assert.Equal((UInt128)11, set.RemoveRange(40, 50));
        Assert.True(set.Remove(0));
        Assert.False(set.Remove(45));
        Assert.Equal([((UInt128)1, (UInt128)39), ((UInt128)51, (UInt128)100)], set.Intervals());
        Assert.Equal((UInt128)89, set.Count);
    }

    [Fact]
    public void HandlesTheEndsOfTheV6Space()
    {
        var set = new IntervalSet();
        set.AddRange(UInt128.MaxValue - 3, UInt128.MaxValue);
        set.AddRange(0, 2);
        Assert.True(set.Remove(UInt128.MaxValue));
        Assert.True(set.TryTakeLowest(out var lowest));
        Assert.Equal(UInt128.Zero, lowest);
        Assert.Equal((UInt128)5, set.Count);
        set.AddRange(UInt128.MaxValue, UInt128.MaxValue);
        Assert.Equal((UInt128)6, set.Count);
    }

    [Fact]
    public void TakeLowestHonoursTheSkipList()
    {
        var set = new IntervalSet();
        set.AddRange(5, 7);
        set.AddRange(9, 9);
        Assert.True(set.TryTakeLowest(out var value, new HashSet<UInt128> { 5, 6, 7 }));
        Assert.Equal((UInt128)9, value);
        Assert.False(set.TryTakeLowest(out _, new HashSet<UInt128> { 5, 6, 7 }));
    }

    [Fact]
    public void AgreesWithAHashSetUnderRandomOperations()
    {
        var random = new Random(1234);
        var set = new IntervalSet();
        var model = new SortedSet<int>();
        for (var step = 0; step < 20_000; step++)
        {
            var a = random.Next(0, 300);
            var b = Math.Min(299, a + random.Next(0, 12));
            switch (random.Next(5))
            {
                case 0:
                    set.AddRange((UInt128)a, (UInt128)b);
                    model.UnionWith(Enumerable.Range(a, b - a + 1));
                    break;
                case 1:
                    set.RemoveRange((UInt128)a, (UInt128)b);
                    model.ExceptWith(Enumerable.Range(a, b - a + 1));
                    break;
                case 2:
                    Assert.Equal(model.Add(a), set.Add((UInt128)a));
                    break;
                case 3:
                    Assert.Equal(model.Remove(a), set.Remove((UInt128)a));
                    break;
                default:
                    Assert.Equal(model.Count > 0, set.TryTakeLowest(out var lowest));
                    if (model.Count > 0)
                    {
                        Assert.Equal((UInt128)model.Min, lowest);
                        model.Remove(model.Min);
                    }

                    break;
            }

            Assert.Equal((UInt128)model.Count, set.Count);
            Assert.Equal(model.Contains(a), set.Contains((UInt128)a));
        }

        var expanded = set.Intervals().SelectMany(i => Enumerable.Range((int)i.Start, (int)(i.End - i.Start + 1)));
        Assert.Equal(model, expanded);
        var intervals = set.Intervals().ToList();
        Assert.All(intervals.Zip(intervals.Skip(1)), pair => Assert.True(pair.First.End + 1 < pair.Second.Start));
    }

    [Fact]
    public void OperationsOnAFragmentedSetCostLogarithmicNodeVisits()
    {
        var set = new IntervalSet();
        for (UInt128 v = 0; v < 131_072; v += 2)
        {
            set.Add(v);
        }

        Assert.Equal(65_536, set.IntervalCount);
        var before = set.NodeVisits;
        for (var i = 0; i < 65_536; i++)
        {
            Assert.True(set.TryTakeLowest(out _));
        }

        var perOperation = (set.NodeVisits - before) / 65_536.0;
        // log2(65536) = 16; a treap's expected depth is a small multiple of it. A linear scan would be ~32k.
        Assert.True(perOperation < 200, $"{perOperation} node visits per take");
    }
}
