using System.Globalization;
using VmNet.Dpdk;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Dpdk;

/// <summary>
/// The part of the DPDK node configuration the daemon owns at runtime: pmd-maxsleep (OVS applies it without a
/// restart). EAL options (dpdk-extra, hugepages, dpdk-init) are read only when ovs-vswitchd starts, so they belong
/// to the OVS start-up (see <see cref="DpdkSettings"/>); the daemon leaves them alone.
/// </summary>
public static class DpdkNodeSetup
{
    /// <summary>Sets other_config:pmd-maxsleep on a DPDK node when it differs; returns false on a node without DPDK.</summary>
    public static async Task<bool> ApplyPmdMaxSleepAsync(OvsdbClient ovs, int micros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ovs);
        if (micros is < 0 or > DpdkSettings.MaxPmdSleepMicros)
        {
            throw new ArgumentOutOfRangeException(nameof(micros), micros, $"pmd-maxsleep must be 0..{DpdkSettings.MaxPmdSleepMicros} us");
        }

        var root = ovs.Cache.Rows<OpenVSwitch>().FirstOrDefault();
        if (root is null || !DpdkCapability.FromRow(root).DpdkInitialized)
        {
            return false;
        }

        var value = micros.ToString(CultureInfo.InvariantCulture);
        if (root.OtherConfig.GetValueOrDefault("pmd-maxsleep") != value)
        {
            await ovs.TransactAsync(
                [Ops.SetMapKeys(OpenVSwitch.Table, root.Uuid, "other_config", new Dictionary<string, string> { ["pmd-maxsleep"] = value })],
                cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
