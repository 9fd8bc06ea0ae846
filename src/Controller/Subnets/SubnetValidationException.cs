namespace VmNet.Controller.Subnets;

/// <summary>A Subnet spec that cannot be accepted; <see cref="Field"/> is the JSON path (e.g. <c>spec.gateway</c>).</summary>
public sealed class SubnetValidationException(string subnet, string field, string value, string problem)
    : Exception($"subnet {subnet}: {field} \"{value}\" {problem}")
{
    public string Subnet { get; } = subnet;

    public string Field { get; } = field;

    public string Value { get; } = value;

    public string Problem { get; } = problem;
}

/// <summary>Two subnets of one VPC with overlapping CIDRs; the later one is rejected.</summary>
public sealed class SubnetOverlapException(string subnet, string cidr, string other, string otherCidr)
    : Exception($"subnet {subnet} cidr {cidr} is conflict with subnet {other} cidr {otherCidr}")
{
    public string Subnet { get; } = subnet;

    public string Cidr { get; } = cidr;

    public string Other { get; } = other;

    public string OtherCidr { get; } = otherCidr;
}
