using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Node;

/// <summary>Readiness for STATUS: OVS connected with br-int present, and this chassis registered in the Southbound DB.</summary>
public sealed class NodeStatus(OvsdbClient ovs, SouthboundConnection? southboundConnection, string bridgeName)
{
    /// <summary>The system-id (chassis name) once node setup has registered it.</summary>
    public string? SystemId { get; set; }

    /// <summary>Null when ready, else why not.</summary>
    public string? Problem()
    {
        if (!ovs.IsConnected)
        {
            return "not connected to the node's Open_vSwitch database";
        }

        if (ovs.Cache.FindByName<Bridge>(bridgeName).Count == 0)
        {
            return $"OVS bridge {bridgeName} does not exist (node setup not done)";
        }

        if (SystemId is null)
        {
            return "chassis not registered in Open_vSwitch yet (node setup not done)";
        }

        if (southboundConnection is null)
        {
            return null;
        }

        if (southboundConnection.Client is not { IsConnected: true } southbound)
        {
            return "not connected to the OVN Southbound database";
        }

        return southbound.Cache.FindByName("Chassis", SystemId).Count == 0
            ? $"chassis {SystemId} is not registered in the OVN Southbound database (ovn-controller not running or not connected)"
            : null;
    }
}
