using Microsoft.Extensions.Logging;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Sriov;

/// <summary>
/// Node set-up for OVS hardware offload (Kube-OVN's HW_OFFLOAD): with <see cref="DaemonOptions.HwOffload"/>
/// the node must have at least one PF whose eswitch is in switchdev mode, and OVS gets
/// <c>other_config:hw-offload=true</c>; a node configured for offload without one fails to start, naming what it found.
/// </summary>
public sealed class HwOffloadSetup(OvsdbClient ovs, SriovTopology topology, IEswitchModeReader eswitch, DaemonOptions options, ILogger<HwOffloadSetup> logger)
{
    public const string HwOffloadKey = "hw-offload";

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (!options.HwOffload)
        {
            return;
        }

        var found = new List<string>();
        string? switchdev = null;
        foreach (var (pci, netdev) in topology.PhysicalFunctions())
        {
            string mode;
            try
            {
                mode = await eswitch.ReadModeAsync(pci, cancellationToken).ConfigureAwait(false);
            }
            catch (SriovException e)
            {
                mode = "unknown (" + e.Message + ")";
            }

            found.Add($"{pci} ({netdev ?? "no netdev"}): {mode}");
            if (mode == SriovInterfaceConfigurator.SwitchdevMode)
            {
                switchdev ??= pci;
            }
        }

        if (switchdev is null)
        {
            throw new SriovException(
                $"hw-offload is enabled but no SR-IOV PF under {topology.Sysfs.Root}/bus/pci/devices is in switchdev mode"
                + (found.Count == 0 ? " (no PF with virtual functions found)" : ": " + string.Join("; ", found)));
        }

        var row = ovs.Cache.Rows<OpenVSwitch>().FirstOrDefault()
            ?? throw new InvalidOperationException("the Open_vSwitch table has no row");
        await ovs.TransactAsync(
            [Ops.SetMapKeys(OpenVSwitch.Table, row.Uuid, "other_config", new Dictionary<string, string> { [HwOffloadKey] = "true" })],
            cancellationToken).ConfigureAwait(false);
        logger.LogInformation("hw-offload enabled in OVS; switchdev PF {Pci}; PFs: {Found}", switchdev, string.Join("; ", found));
    }
}
