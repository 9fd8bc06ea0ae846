using System.Net.NetworkInformation;
using VmNet.Daemon.Sriov;

namespace VmNet.Daemon.Tests.Sriov;

/// <summary>Stands in for devlink, which this kernel does not have: the mode each PF's eswitch is in.</summary>
internal sealed class FixedEswitchModes(string mode) : IEswitchModeReader
{
    public List<string> Queried { get; } = [];

    public Task<string> ReadModeAsync(string pfPci, CancellationToken cancellationToken)
    {
        Queried.Add(pfPci);
        return Task.FromResult(mode);
    }
}

/// <summary>
/// Records the VF MACs set through the PF: a veth "PF" has no ndo_set_vf_mac (the real setter's
/// EOPNOTSUPP is tested separately), so the happy path checks the calls a real NIC would get.
/// </summary>
internal sealed class RecordingVfMacSetter : IVfMacSetter
{
    public List<(string Pf, int Vf, string Mac)> Calls { get; } = [];

    public Task SetAsync(string pfNetdev, int vfIndex, PhysicalAddress mac, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Calls.Add((pfNetdev, vfIndex, VmNet.Daemon.Netlink.MacFormat.Format(mac)));
        }

        return Task.CompletedTask;
    }
}
