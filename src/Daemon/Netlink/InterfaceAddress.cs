using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// An address with its prefix length, host bits kept ("10.16.0.5/16"), as an interface carries it.
/// (System.Net.IPNetwork rejects host bits, so it cannot describe an interface address.)
/// </summary>
public readonly record struct InterfaceAddress
{
    public InterfaceAddress(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"address {address} is neither IPv4 nor IPv6", nameof(address));
        }

        if (prefixLength < 0 || prefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"prefix length of {address} must be 0..{max}");
        }

        Address = address;
        PrefixLength = prefixLength;
    }

    public IPAddress Address { get; }

    public int PrefixLength { get; }

    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>Parses "10.16.0.5/16" or "fd00::5/64"; a bare address gets the full-length prefix.</summary>
    public static InterfaceAddress Parse(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        // IPAddress.TryParse also takes inet_aton shorthands ("10.16.0", "10.1"); CIDR text never means those.
        if (!IPAddress.TryParse(addressText, out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            throw new FormatException($"'{text}' is not an IP address with prefix length (address part '{addressText}')");
        }

        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (slash < 0)
        {
            return new InterfaceAddress(address, max);
        }

        if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > max)
        {
            throw new FormatException($"'{text}' has an invalid prefix length (must be 0..{max})");
        }

        return new InterfaceAddress(address, prefix);
    }

    /// <summary>The network part: the address with host bits cleared.</summary>
    public IPAddress Network
    {
        get
        {
            var bytes = Address.GetAddressBytes();
            for (var bit = PrefixLength; bit < bytes.Length * 8; bit++)
            {
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            }

            return new IPAddress(bytes);
        }
    }

    public override string ToString() => $"{Address}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";
}
