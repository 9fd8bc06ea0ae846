using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>Shape of a rig: node count, tunnel type, MTUs, underlay subnet and where its files go.</summary>
public sealed record RigOptions
{
    public RigRunId RunId { get; init; } = RigRunId.New();

    /// <summary>Number of simulated nodes, named node1..nodeN (chassis names).</summary>
    public int NodeCount { get; init; } = 2;

    public EncapType Encap { get; init; } = EncapType.Geneve;

    public int UnderlayMtu { get; init; } = 1500;

    /// <summary>Default MTU of pods' eth0; at most <see cref="UnderlayMtu"/> minus the tunnel overhead.</summary>
    public int PodMtu { get; init; } = 1400;

    /// <summary>
    /// First three octets of the underlay /24; node i gets .i. The addresses exist only inside the rig's
    /// namespaces (no route in the root netns); by default a per-run subnet of the 198.18.0.0/15 test range.
    /// </summary>
    public string? UnderlayPrefix { get; init; }

    /// <summary>Also expose NB/SB on TCP 127.0.0.1 (kernel-chosen ports).</summary>
    public bool CentralTcp { get; init; }

    /// <summary>Run directory; defaults to /tmp/vmnet-rig-&lt;run id&gt;.</summary>
    public string? Directory { get; init; }

    /// <summary>Bound for each wait (chassis registration, hv sync, port up).</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Adjusts each node's options before it starts (e.g. the DPDK variant, Dpdk/DpdkNode).</summary>
    public Func<OvsNodeOptions, OvsNodeOptions>? ConfigureNode { get; init; }

    public string EffectiveDirectory => Directory ?? RunId.DefaultDirectory;

    public string EffectiveUnderlayPrefix =>
        UnderlayPrefix ?? "198.18." + (int.Parse(RunId.Value[^2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) % 250 + 1).ToString(CultureInfo.InvariantCulture);

    public string NodeName(int index) => "node" + index.ToString(CultureInfo.InvariantCulture);

    public string NodeUnderlayIp(int index) => EffectiveUnderlayPrefix + "." + index.ToString(CultureInfo.InvariantCulture);

    public void Validate()
    {
        if (NodeCount < 1 || NodeCount > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(NodeCount), NodeCount, "NodeCount must be 1..200");
        }

        var maxPodMtu = UnderlayMtu - Encap.Overhead();
        if (PodMtu < 576 || PodMtu > maxPodMtu)
        {
            throw new ArgumentOutOfRangeException(
                nameof(PodMtu), PodMtu, $"PodMtu must be 576..{maxPodMtu} (UnderlayMtu {UnderlayMtu} minus {Encap.OvsName()} overhead {Encap.Overhead()})");
        }
    }
}
