using VmNet.Sandbox.Rig;

namespace VmNet.TestSupport;

/// <summary>Two nodes (node1, node2) joined by a veth underlay, Geneve unless a subclass says otherwise.</summary>
public class TwoNodeRigFixture : RigFixture
{
    public OvsNode Node1 => Rig.Nodes[0];

    public OvsNode Node2 => Rig.Nodes[1];

    protected virtual EncapType Encap => EncapType.Geneve;

    protected override RigOptions CreateOptions() => new() { NodeCount = 2, Encap = Encap, CentralTcp = true };
}
