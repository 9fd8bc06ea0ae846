namespace VmNet.Daemon.Netlink;

/// <summary>An address assigned to an interface, as RTM_NEWADDR reports it.</summary>
/// <param name="Flags">IFA_F_* (from IFA_FLAGS when present, which has all 32 bits).</param>
/// <param name="Scope">RT_SCOPE_*: 0 universe, 253 link, 254 host.</param>
public sealed record AddressInfo(int InterfaceIndex, InterfaceAddress Address, uint Flags, byte Scope, string? Label)
{
    public const uint FlagNoDad = 0x02;
    public const uint FlagTentative = 0x40;
    public const uint FlagPermanent = 0x80;
    public const uint FlagNoPrefixRoute = 0x200;

    public bool IsTentative => (Flags & FlagTentative) != 0;
}

/// <summary>Options of an address add.</summary>
/// <param name="NoDad">IFA_F_NODAD: skip IPv6 duplicate address detection, so the address is usable at once.</param>
/// <param name="NoPrefixRoute">IFA_F_NOPREFIXROUTE: do not install the connected route for the prefix.</param>
public sealed record AddressOptions(bool NoDad = false, bool NoPrefixRoute = false)
{
    public static AddressOptions Default { get; } = new();
}
