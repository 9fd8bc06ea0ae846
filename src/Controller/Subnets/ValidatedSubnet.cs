using VmNet.Ipam;

namespace VmNet.Controller.Subnets;

/// <summary>A Subnet that passed validation, with the Kube-OVN-formatted spec fields it should carry.</summary>
public sealed record ValidatedSubnet(
    string Name,
    SubnetDefinition Definition,
    string Vpc,
    string Provider,
    string Protocol,
    string GatewayType,
    IReadOnlyList<string> ExcludeIps,
    string? Vlan)
{
    public string CidrBlock => Definition.CidrBlock;

    public string Gateway => Definition.Gateway;

    /// <summary>Overlay subnets of an OVN provider get a switch and a router port pair.</summary>
    public bool IsRouted => Definition.Families.Count > 0;

    /// <summary>LRP networks: gateway/prefix per family, e.g. <c>10.16.0.1/16</c>.</summary>
    public IReadOnlyList<string> GatewayNetworks =>
        Definition.Families.Select(f => $"{f.Gateway}/{f.Cidr.PrefixLength}").ToArray();

    /// <summary>The IPAM registration of this subnet, keeping the router port MAC reserved.</summary>
    public SubnetSpec ToIpamSpec(string? gatewayMac) => new(Name, CidrBlock)
    {
        Gateway = Gateway,
        ExcludeIps = ExcludeIps,
        GatewayMac = gatewayMac,
    };
}
