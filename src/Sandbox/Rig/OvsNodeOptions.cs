namespace VmNet.Sandbox.Rig;

/// <summary>How to start one simulated node (chassis) in an existing network namespace.</summary>
public sealed record OvsNodeOptions
{
    /// <summary>Chassis name: external_ids system-id and hostname.</summary>
    public required string Name { get; init; }

    /// <summary>Existing network namespace ovs-vswitchd and ovn-controller run in.</summary>
    public required string Netns { get; init; }

    /// <summary>Directory for conf.db, sockets, pidfiles and logs; also OVS_RUNDIR/OVN_RUNDIR.</summary>
    public required string Directory { get; init; }

    /// <summary>Underlay interface already inside <see cref="Netns"/>; it becomes a port of br-phy.</summary>
    public required string UnderlayInterface { get; init; }

    /// <summary>Tunnel endpoint address with prefix, e.g. "198.18.7.1/24"; it is put on br-phy.</summary>
    public required string UnderlayAddress { get; init; }

    /// <summary>SB connection ovn-controller uses; must be a unix socket (127.0.0.1 inside the netns is its own loopback).</summary>
    public required string SouthboundConnection { get; init; }

    public EncapType Encap { get; init; } = EncapType.Geneve;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The ovs-vswitchd executable (e.g. the DPDK build by full path; see Dpdk/DpdkNode).</summary>
    public string VswitchdBinary { get; init; } = "ovs-vswitchd";

    /// <summary>Open_vSwitch other_config written before ovs-vswitchd starts (DPDK settings are read at start).</summary>
    public IReadOnlyDictionary<string, string>? OtherConfig { get; init; }

    /// <summary>The tunnel endpoint IP without prefix.</summary>
    public string EncapIp => UnderlayAddress.Split('/')[0];
}
