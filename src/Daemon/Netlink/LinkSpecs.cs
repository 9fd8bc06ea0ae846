using System.Net.NetworkInformation;

namespace VmNet.Daemon.Netlink;

/// <summary>A veth pair to create. The peer is created directly in <see cref="PeerNamespace"/> when given.</summary>
/// <param name="Name">The end that stays in the namespace of the client (the host side).</param>
/// <param name="PeerName">The other end's name, in the peer's namespace.</param>
public sealed record VethPairSpec(string Name, string PeerName)
{
    public NetworkNamespace? PeerNamespace { get; init; }

    public int? Mtu { get; init; }

    public PhysicalAddress? MacAddress { get; init; }

    public PhysicalAddress? PeerMacAddress { get; init; }
}

/// <summary>
/// A passthru macvlan <paramref name="Name"/> on the lower device <paramref name="LowerIndex"/> (in the client's
/// namespace), created in <see cref="Namespace"/> when given. It takes the lower's MAC and receives all its frames.
/// </summary>
public sealed record MacvlanPassthruSpec(string Name, int LowerIndex)
{
    public NetworkNamespace? Namespace { get; init; }

    public int? Mtu { get; init; }

    public bool Up { get; init; }
}

/// <summary>
/// Attribute changes applied to one link in a single RTM_SETLINK. The kernel applies them in the order
/// MAC, MTU, name, then up/down, so a down link can be renamed and brought up by one request.
/// </summary>
public sealed record LinkChanges
{
    public string? NewName { get; init; }

    public PhysicalAddress? MacAddress { get; init; }

    public int? Mtu { get; init; }

    /// <summary>true: set IFF_UP; false: clear it; null: leave it.</summary>
    public bool? Up { get; init; }

    public override string ToString()
    {
        var parts = new List<string>();
        if (NewName is not null)
        {
            parts.Add("name " + NewName);
        }

        if (MacAddress is not null)
        {
            parts.Add("address " + MacFormat.Format(MacAddress));
        }

        if (Mtu is { } mtu)
        {
            parts.Add("mtu " + mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (Up is { } up)
        {
            parts.Add(up ? "up" : "down");
        }

        return string.Join(' ', parts);
    }
}

/// <summary>MAC formatting as `ip link` prints it (lower-case, colon-separated).</summary>
public static class MacFormat
{
    public static string Format(PhysicalAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return string.Join(':', address.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
