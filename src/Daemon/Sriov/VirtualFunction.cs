namespace VmNet.Daemon.Sriov;

/// <summary>One SR-IOV VF as sysfs describes it on a switchdev NIC.</summary>
public sealed record VirtualFunction
{
    public required string PciAddress { get; init; }

    /// <summary>The VF's netdev in the host namespace; null when a userspace driver (vfio-pci) holds the VF.</summary>
    public string? Netdev { get; init; }

    /// <summary>Kernel driver bound to the VF (<c>mlx5_core</c>, <c>iavf</c>, <c>vfio-pci</c>); null when unbound.</summary>
    public string? Driver { get; init; }

    public required string PfPciAddress { get; init; }

    /// <summary>The PF's uplink netdev: what <c>ip link set PF vf N mac M</c> names.</summary>
    public required string PfNetdev { get; init; }

    public required int VfIndex { get; init; }

    /// <summary>The VF's representor netdev on the eswitch (<c>phys_port_name</c> pf&lt;P&gt;vf&lt;N&gt;).</summary>
    public required string Representor { get; init; }

    public required string SwitchId { get; init; }

    /// <summary>Bound to vfio-pci: the VF goes to a VM as a PCI device; there is no netdev to configure.</summary>
    public bool IsUserspaceBound => Driver == "vfio-pci";
}
