namespace VmNet.Ovn;

/// <summary>
/// What a routed (overlay) subnet looks like in OVN Northbound, Kube-OVN's layout (facts §9.1): a
/// Logical_Switch named after the subnet, attached to its VPC's Logical_Router through the LRP
/// <c>&lt;router&gt;-&lt;subnet&gt;</c> (gateway address/prefix per family, a MAC) and the LSP
/// <c>&lt;subnet&gt;-&lt;router&gt;</c> of type <c>router</c>.
/// </summary>
public sealed record SubnetTopologySpec
{
    public SubnetTopologySpec(string switchName, string routerName, IReadOnlyList<string> gatewayNetworks, string routerPortMac)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(switchName);
        ArgumentException.ThrowIfNullOrWhiteSpace(routerName);
        ArgumentNullException.ThrowIfNull(gatewayNetworks);
        if (gatewayNetworks.Count == 0)
        {
            throw new ArgumentException($"subnet {switchName}: a routed subnet needs at least one gateway network", nameof(gatewayNetworks));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(routerPortMac);
        SwitchName = switchName;
        RouterName = routerName;
        GatewayNetworks = gatewayNetworks;
        RouterPortMac = routerPortMac;
    }

    public string SwitchName { get; }

    public string RouterName { get; }

    /// <summary>LRP networks, e.g. <c>10.16.0.1/16</c>, <c>fd00::1/64</c>.</summary>
    public IReadOnlyList<string> GatewayNetworks { get; }

    public string RouterPortMac { get; }

    /// <summary>Extra external_ids on the switch (ownership keys are added by the builder).</summary>
    public IReadOnlyDictionary<string, string> SwitchExternalIds { get; init; } = new Dictionary<string, string>();

    /// <summary>Switch other_config (Kube-OVN leaves it empty: it does its own IPAM).</summary>
    public IReadOnlyDictionary<string, string> SwitchOtherConfig { get; init; } = new Dictionary<string, string>();

    public string RouterPortName => RouterPortNameOf(RouterName, SwitchName);

    public string SwitchPortName => SwitchPortNameOf(SwitchName, RouterName);

    public static string RouterPortNameOf(string router, string subnet) => $"{router}-{subnet}";

    public static string SwitchPortNameOf(string subnet, string router) => $"{subnet}-{router}";
}
