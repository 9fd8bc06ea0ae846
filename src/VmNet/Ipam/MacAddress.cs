using System.Globalization;

namespace VmNet.Ipam;

/// <summary>A 48-bit Ethernet MAC address; text form is lower-case, colon separated.</summary>
public readonly record struct MacAddress(ulong Value)
{
    private const ulong GroupBit = 0x01UL << 40;
    private const ulong LocalBit = 0x02UL << 40;

    public bool IsMulticast => (Value & GroupBit) != 0;

    public bool IsLocallyAdministered => (Value & LocalBit) != 0;

    /// <summary>
    /// Accepts <c>aa:bb:cc:dd:ee:ff</c> and <c>aa-bb-cc-dd-ee-ff</c> in either case. Multicast and all-zero
    /// addresses are rejected: OVN port security and the guest's NIC need a unicast address.
    /// </summary>
    public static MacAddress Parse(string text, string field)
    {
        ArgumentNullException.ThrowIfNull(text);
        ulong value = 0;
        var valid = text.Length == 17;
        var separator = valid ? text[2] : ':';
        for (var i = 0; valid && i < 17; i++)
        {
            var c = text[i];
            if (i % 3 == 2)
            {
                valid = c == separator && (c == ':' || c == '-');
            }
            else if (char.IsAsciiHexDigit(c))
            {
                value = (value << 4) | (uint)(char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
            }
            else
            {
                valid = false;
            }
        }

        if (!valid)
        {
            throw new InvalidIpamInputException(field, text, "is not a valid MAC address (expected xx:xx:xx:xx:xx:xx)");
        }

        var mac = new MacAddress(value);
        if (mac.IsMulticast)
        {
            throw new InvalidIpamInputException(field, text, "is a multicast MAC address, a NIC needs a unicast one");
        }

        if (value == 0)
        {
            throw new InvalidIpamInputException(field, text, "is the all-zero MAC address");
        }

        return mac;
    }

    public override string ToString() => string.Create(17, Value, static (span, value) =>
    {
        for (var i = 0; i < 6; i++)
        {
            var octet = (byte)(value >> (8 * (5 - i)));
            octet.TryFormat(span[(i * 3)..], out _, "x2", CultureInfo.InvariantCulture);
            if (i < 5)
            {
                span[(i * 3) + 2] = ':';
            }
        }
    });
}
