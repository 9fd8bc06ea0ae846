namespace VmNet.Sandbox.Rig;

/// <summary>A pod-like network endpoint: eth0 in its own netns, plugged into br-int as logical port <see cref="LogicalPort"/>.</summary>
public sealed record TestPodOptions
{
    /// <summary>Name used in logs and errors, e.g. "pod1".</summary>
    public required string Name { get; init; }

    /// <summary>OVN logical switch port name, written to the OVS Interface as external_ids:iface-id.</summary>
    public required string LogicalPort { get; init; }

    /// <summary>MAC of eth0, e.g. "0a:00:00:10:00:0b".</summary>
    public required string Mac { get; init; }

    /// <summary>Address with prefix, e.g. "10.16.0.11/16".</summary>
    public required string IpCidr { get; init; }

    /// <summary>Default gateway, e.g. "10.16.0.1"; null for no default route.</summary>
    public string? Gateway { get; init; }

    /// <summary>eth0 MTU; must leave room for the tunnel overhead (1400 on a 1500 underlay with Geneve).</summary>
    public int Mtu { get; init; } = 1400;

    public string Ip => IpCidr.Split('/')[0];
}
