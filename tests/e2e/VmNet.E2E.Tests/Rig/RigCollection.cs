namespace VmNet.E2E.Rig;

/// <summary>
/// Rig test classes run one after another: each brings up real daemons, and on a 2-core machine
/// parallel rigs would make the throughput and latency checks noisy. (Rigs running at once are
/// tested deliberately in <see cref="RigLifecycleTests"/>.)
/// </summary>
[CollectionDefinition(Name)]
public sealed class RigCollection
{
    public const string Name = "OVN rig";
}
