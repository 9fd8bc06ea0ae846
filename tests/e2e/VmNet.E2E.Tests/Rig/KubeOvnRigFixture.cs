using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.E2E.Rig;

/// <summary>Two-node rig with the Kube-OVN topology, pod1 on node1 and pod2 on node2, both bound and up.</summary>
public abstract class KubeOvnRigFixture : TwoNodeRigFixture
{
    public const string Pod1Mac = "0a:00:00:10:00:0b";
    public const string Pod1Ip = "10.16.0.11";
    public const string Pod2Mac = "0a:00:00:10:00:0c";
    public const string Pod2Ip = "10.16.0.12";

    private TestPod? pod1;
    private TestPod? pod2;

    public TestPod Pod1 => pod1 ?? throw new InvalidOperationException("fixture not initialised");

    public TestPod Pod2 => pod2 ?? throw new InvalidOperationException("fixture not initialised");

    /// <summary>From StartAsync to both logical ports up.</summary>
    public TimeSpan ReadyTime { get; private set; }

    protected override async Task OnStartedAsync(Sandbox.Rig.Rig startedRig)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await KubeOvnTopology.CreateAsync(startedRig.Central);
        await KubeOvnTopology.AddPortAsync(startedRig.Central, "pod1", Pod1Mac, Pod1Ip);
        await KubeOvnTopology.AddPortAsync(startedRig.Central, "pod2", Pod2Mac, Pod2Ip);
        pod1 = await startedRig.AddPodAsync(startedRig.Nodes[0], startedRig.PodOptions("pod1", "pod1", Pod1Mac, Pod1Ip + "/16", KubeOvnTopology.Gateway));
        pod2 = await startedRig.AddPodAsync(startedRig.Nodes[1], startedRig.PodOptions("pod2", "pod2", Pod2Mac, Pod2Ip + "/16", KubeOvnTopology.Gateway));
        await startedRig.SyncHypervisorsAsync();
        await startedRig.WaitPortUpAsync("pod1");
        await startedRig.WaitPortUpAsync("pod2");
        ReadyTime = startedRig.StartupTime + stopwatch.Elapsed;
    }
}

public sealed class GeneveKubeOvnRigFixture : KubeOvnRigFixture
{
    protected override EncapType Encap => EncapType.Geneve;
}

public sealed class VxlanKubeOvnRigFixture : KubeOvnRigFixture
{
    protected override EncapType Encap => EncapType.Vxlan;
}
