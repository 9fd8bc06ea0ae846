namespace VmNet.Dhcp;

/// <summary>A DHCP/RA option string cannot be used; <see cref="Field"/> names the Subnet field or pod annotation.</summary>
public sealed class DhcpOptionsException(string field, string value, string problem)
    : Exception($"{field}: \"{value}\" {problem}")
{
    public string Field { get; } = field;

    public string Value { get; } = value;
}
