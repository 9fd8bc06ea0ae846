using VmNet.Dpdk;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// The DPDK node variant of the rig: ovs-vswitchd is Debian's DPDK build, called by full path (the package only
/// adds a lower-priority alternative; nothing is switched), with <see cref="DpdkSettings"/> in other_config and a
/// DPDK file prefix unique per run and node (EAL keeps /var/run/dpdk/&lt;prefix&gt;/ and two primaries with one
/// prefix fail). br-int already uses datapath_type=netdev in the rig.
/// </summary>
public static class DpdkNode
{
    public const string VswitchdDpdkBinary = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk";

    public const string TestPmdBinary = "dpdk-testpmd";

    private const string DpdkRuntimeRoot = "/var/run/dpdk";

    /// <summary>True when the DPDK vswitchd and testpmd are installed (scripts/install-deps.sh).</summary>
    public static bool IsInstalled => File.Exists(VswitchdDpdkBinary) && RigPrerequisites.FindOnPath(TestPmdBinary) is not null;

    /// <summary>The file prefix of a node's EAL in this run (per-run unique, so parallel rigs never share one).</summary>
    public static string FilePrefix(RigRunId runId, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return runId.Value + "-" + nodeName;
    }

    /// <summary>
    /// A <see cref="RigOptions.ConfigureNode"/> hook that turns the nodes <paramref name="dpdkNodes"/> selects into
    /// DPDK nodes (all when null); the others keep the plain vswitchd.
    /// </summary>
    public static Func<OvsNodeOptions, OvsNodeOptions> Configure(RigRunId runId, DpdkSettings settings, Func<string, bool>? dpdkNodes = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return node => dpdkNodes is not null && !dpdkNodes(node.Name)
            ? node
            : node with
            {
                VswitchdBinary = VswitchdDpdkBinary,
                OtherConfig = (settings with { FilePrefix = FilePrefix(runId, node.Name) }).ToOtherConfig(),
            };
    }

    /// <summary>Removes the EAL runtime directories this run's primaries (vswitchds, testpmds) left behind.</summary>
    public static void RemoveRuntimeDirectories(RigRunId runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (!Directory.Exists(DpdkRuntimeRoot))
        {
            return;
        }

        foreach (var dir in Directory.GetDirectories(DpdkRuntimeRoot, runId.Value + "-*"))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
