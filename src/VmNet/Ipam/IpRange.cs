namespace VmNet.Ipam;

/// <summary>An inclusive range of addresses of one family.</summary>
public readonly record struct IpRange(IpFamily Family, UInt128 Start, UInt128 End)
{
    public IpAddr First => new(Family, Start);

    public IpAddr Last => new(Family, End);

    public UInt128 Count => End - Start + 1;

    public bool Contains(UInt128 value) => value >= Start && value <= End;

    /// <summary>Kube-OVN's status spelling: a single address, or <c>first-last</c>.</summary>
    public override string ToString() => Start == End ? First.ToString() : $"{First}-{Last}";
}
