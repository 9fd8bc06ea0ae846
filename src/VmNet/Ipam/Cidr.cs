namespace VmNet.Ipam;

/// <summary>
/// A subnet CIDR in network form. Host bits in the input are cleared (Kube-OVN writes the normalised
/// form back to the Subnet). /32 and /128 are rejected because such a subnet has no usable address.
/// </summary>
public sealed record Cidr(IpFamily Family, UInt128 Network, int PrefixLength)
{
    public static Cidr Parse(string text, string field)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressProblem = string.Empty;
        if (slash <= 0 || !IpAddr.TryParse(text[..slash], out var address, out addressProblem))
        {
            var problem = addressProblem.Contains("lower-case", StringComparison.Ordinal)
                ? "is not a valid CIDR: IPv6 addresses must be lower-case"
                : "is not a valid CIDR";
            throw new InvalidIpamInputException(field, text, problem);
        }

        var lengthText = text[(slash + 1)..];
        var bits = address.Family.Bits();
        if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit)
            || (lengthText.Length > 1 && lengthText[0] == '0')
            || !int.TryParse(lengthText, System.Globalization.CultureInfo.InvariantCulture, out var prefix) || prefix > bits)
        {
            throw new InvalidIpamInputException(field, text, "is not a valid CIDR");
        }

        if (prefix == bits)
        {
            throw new InvalidIpamInputException(field, text, "is configured with /32 or /128 netmask");
        }

        var hostMask = HostMask(address.Family, prefix);
        return new Cidr(address.Family, address.Value & ~hostMask & address.Family.MaxValue(), prefix);
    }

    public UInt128 Size => HostMask(Family, PrefixLength) + 1;

    /// <summary>The all-ones address (IPv4 broadcast).</summary>
    public UInt128 LastAddress => Network | HostMask(Family, PrefixLength);

    private bool IsPointToPoint => PrefixLength == Family.Bits() - 1;

    /// <summary>
    /// Kube-OVN's usable range: network+1 .. all-ones-1, except /31 and /127 where both addresses are
    /// usable (RFC 3021 point-to-point).
    /// </summary>
    public IpRange Usable => IsPointToPoint
        ? new IpRange(Family, Network, LastAddress)
        : new IpRange(Family, Network + 1, LastAddress - 1);

    public bool Contains(IpAddr address) =>
        address.Family == Family && address.Value >= Network && address.Value <= LastAddress;

    public bool IsNetworkOrBroadcast(IpAddr address) =>
        !IsPointToPoint && address.Family == Family && (address.Value == Network || address.Value == LastAddress);

    public override string ToString() => $"{new IpAddr(Family, Network)}/{PrefixLength}";

    private static UInt128 HostMask(IpFamily family, int prefix)
    {
        var hostBits = family.Bits() - prefix;
        return hostBits >= 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
    }
}
