using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VmNet.Ipam;

/// <summary>
/// An IPv4 or IPv6 address as a number, so IPAM arithmetic (ranges, successors, counts) is integer
/// arithmetic. <see cref="IPAddress"/> is used only at the edges (<see cref="FromIPAddress"/>,
/// <see cref="ToIPAddress"/>). Parsing is stricter than <see cref="IPAddress.TryParse(string, out IPAddress)"/>:
/// IPv4 must be a full dotted quad without leading zeros, IPv6 must be lower-case (Kube-OVN rejects
/// upper case because IP CRs are compared as strings) and carry no zone.
/// </summary>
public readonly record struct IpAddr(IpFamily Family, UInt128 Value) : IComparable<IpAddr>
{
    public static IpAddr Parse(string text, string field)
    {
        if (TryParse(text, out var address, out var problem))
        {
            return address;
        }

        throw new InvalidIpamInputException(field, text, problem);
    }

    public static bool TryParse(string? text, out IpAddr address) => TryParse(text, out address, out _);

    public static bool TryParse(string? text, out IpAddr address, out string problem)
    {
        address = default;
        problem = "is not a valid address";
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TryParseV6(text, out address, ref problem);
        }

        return TryParseV4(text, out address);
    }

    public static IpAddr FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"address {address} cannot be written", nameof(address));
        }

        return address.AddressFamily == AddressFamily.InterNetwork
            ? new IpAddr(IpFamily.V4, BinaryPrimitives.ReadUInt32BigEndian(bytes[..written]))
            : new IpAddr(IpFamily.V6, BinaryPrimitives.ReadUInt128BigEndian(bytes[..written]));
    }

    public IPAddress ToIPAddress()
    {
        if (Family == IpFamily.V4)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)Value);
            return new IPAddress(v4);
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, Value);
        return new IPAddress(v6);
    }

    /// <summary>Canonical text: dotted quad, or RFC 5952 lower-case compressed IPv6.</summary>
    public override string ToString() => ToIPAddress().ToString();

    public int CompareTo(IpAddr other) =>
        Family != other.Family ? Family.CompareTo(other.Family) : Value.CompareTo(other.Value);

    public static bool operator <(IpAddr left, IpAddr right) => left.CompareTo(right) < 0;

    public static bool operator >(IpAddr left, IpAddr right) => left.CompareTo(right) > 0;

    public static bool operator <=(IpAddr left, IpAddr right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IpAddr left, IpAddr right) => left.CompareTo(right) >= 0;

    private static bool TryParseV4(string text, out IpAddr address)
    {
        address = default;
        uint value = 0;
        var octets = 0;
        var digits = 0;
        var octet = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || ++octets > 3)
                {
                    return false;
                }

                value = (value << 8) | (uint)octet;
                digits = octet = 0;
            }
            else if (char.IsAsciiDigit(c) && digits < 3 && !(digits == 1 && octet == 0))
            {
                octet = (octet * 10) + (c - '0');
                digits++;
                if (octet > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (digits == 0 || octets != 3)
        {
            return false;
        }

        address = new IpAddr(IpFamily.V4, (value << 8) | (uint)octet);
        return true;
    }

    private static bool TryParseV6(string text, out IpAddr address, ref string problem)
    {
        address = default;
        if (text.Any(char.IsAsciiLetterUpper))
        {
            problem = "is not a valid address: IPv6 addresses must be lower-case";
            return false;
        }

        if (text.Contains('%', StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal)
            || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = FromIPAddress(parsed);
        return true;
    }
}
