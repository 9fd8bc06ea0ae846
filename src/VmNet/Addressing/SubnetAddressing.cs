namespace VmNet.Addressing;

/// <summary>
/// What the annotations and the port need to know of a subnet: name, normalised <c>cidrBlock</c> and
/// <c>gateway</c>, the logical router (the subnet's VPC when it is an overlay subnet, facts §2.2) and the
/// provider.
/// </summary>
public sealed record SubnetAddressing(string Name, string CidrBlock, string Gateway, string? LogicalRouter, string Provider = AnnotationKeys.DefaultProvider);
