namespace VmNet.Multus;

/// <summary>How a NetworkAttachmentDefinition's CNI config involves us (facts §2.1, §6).</summary>
public enum NadKind
{
    /// <summary>Another CNI entirely: neither an OVN port nor an address from us.</summary>
    Foreign,

    /// <summary><c>"type": "kube-ovn"</c> (or <c>"vmnet"</c>) at top level or in a conflist plugin: an OVN NIC.</summary>
    Ovn,

    /// <summary>Another plugin type whose <c>ipam.type</c> is ours: an address (IP CR) only, no OVN port.</summary>
    IpamOnly,
}

/// <summary>The classified config: its kind, the <c>provider</c> string it carries (the CNI sends it) and its <c>routes</c>.</summary>
public sealed record NadConfig(NadKind Kind, string? ConfiguredProvider)
{
    public IReadOnlyList<NadRoute> Routes { get; init; } = [];
}

/// <summary>A route from the NAD config (<c>dst</c> empty means default).</summary>
public sealed record NadRoute(string Destination, string? Gateway);
