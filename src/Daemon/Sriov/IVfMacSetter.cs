using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Sriov;

/// <summary>Sets a VF's administrative MAC through its PF (<c>ip link set PF vf N mac M</c>): the eswitch and the VF driver take it from there.</summary>
public interface IVfMacSetter
{
    Task SetAsync(string pfNetdev, int vfIndex, PhysicalAddress mac, CancellationToken cancellationToken);
}

/// <summary>RTM_SETLINK with IFLA_VFINFO_LIST on the PF in the host namespace; a PF whose driver has no ndo_set_vf_mac answers EOPNOTSUPP.</summary>
public sealed class NetlinkVfMacSetter(HostNetwork host) : IVfMacSetter
{
    public Task SetAsync(string pfNetdev, int vfIndex, PhysicalAddress mac, CancellationToken cancellationToken) =>
        host.Links.SetVfMacAddressAsync(pfNetdev, vfIndex, mac, cancellationToken);
}
