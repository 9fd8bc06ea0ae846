using VmNet.ApiServer;
using VmNet.Daemon;
using VmNet.Daemon.Hosting;
using VmNet.Dpdk;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// Two OVS-DPDK nodes with Kube-OVN's default topology, an in-process API server and our daemon hosted in-process
/// per node (userspace datapath, kubelet pods directory and vhost-user share root in the run directory). The
/// tests play the controller (LSP + pod annotations) and kubelet (emptyDir volume, CNI calls).
/// </summary>
public sealed class DpdkDaemonFixture : IAsyncLifetime
{
    private readonly RigRunId runId = RigRunId.New();
    private readonly Dictionary<string, DaemonHost> daemons = [];
    private Sandbox.Rig.Rig? rig;

    public Sandbox.Rig.Rig Rig => rig ?? throw new InvalidOperationException("DpdkDaemonFixture is not initialised");

    public KubeApiServer ApiServer { get; private set; } = null!;

    public KubeClient Kube { get; private set; } = null!;

    /// <summary>Differs from the rig's start-up value (1000) so the test sees the daemon applied it.</summary>
    public const int DaemonPmdMaxSleep = 2000;

    public string KubeletPods => Path.Combine(Rig.Directory, "kubelet", "pods");

    public string SocketPath(OvsNode node) => $"/tmp/vmnet-{runId.Value}-{node.Name}.sock";

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync();
        EalRuntimeDirectory.RemoveAbandoned();
        rig = await Sandbox.Rig.Rig.StartAsync(new RigOptions { RunId = runId, NodeCount = 2, ConfigureNode = DpdkNode.Configure(runId, new DpdkSettings()) });
        try
        {
            await KubeOvnTopology.CreateAsync(Rig.Central);
            ApiServer = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(5) });
            await ApiServer.StartAsync();
            Kube = new KubeClient(new KubeConfig(ApiServer.BaseAddress));
            for (var i = 0; i < Rig.Nodes.Count; i++)
            {
                var node = Rig.Nodes[i];
                await Kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = node.Name } });
                daemons[node.Name] = await DaemonHost.StartAsync(
                    new DaemonOptions
                    {
                        NodeName = node.Name,
                        OvsDatabase = node.Ovsdb.UnixConnection,
                        SouthboundRemote = Rig.Central.SouthboundConnection,
                        EncapIp = Rig.Options.NodeUnderlayIp(i + 1),
                        SocketPath = SocketPath(node),
                        NodeMtu = Rig.Options.UnderlayMtu,
                        HostNetns = node.Netns,
                        DatapathType = "netdev",
                        KubeletPodsDirectory = KubeletPods,
                        VhostUserShareRoot = Path.Combine(Rig.Directory, "vs"),
                        PmdMaxSleepMicros = DaemonPmdMaxSleep,
                        AnnotationTimeout = TimeSpan.FromSeconds(8),
                        OvnInstalledTimeout = TimeSpan.FromSeconds(20),
                    },
                    Kube,
                    null,
                    CancellationToken.None);
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The controller's part: LSP on ovn-default and the pod with its allocation annotations; returns the pod (with its uid).</summary>
    public async Task<V1Pod> CreateVmPodAsync(string name, OvsNode node, string mac, string ip)
    {
        await KubeOvnTopology.AddPortAsync(Rig.Central, name + ".default", mac, ip);
        return await Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Namespace = "default",
                Annotations = new Dictionary<string, string>
                {
                    ["ovn.kubernetes.io/allocated"] = "true",
                    ["ovn.kubernetes.io/ip_address"] = ip,
                    ["ovn.kubernetes.io/mac_address"] = mac,
                    ["ovn.kubernetes.io/cidr"] = KubeOvnTopology.Cidr,
                    ["ovn.kubernetes.io/gateway"] = KubeOvnTopology.Gateway,
                    ["ovn.kubernetes.io/logical_switch"] = KubeOvnTopology.Switch,
                    ["ovn.kubernetes.io/routed"] = "true",
                },
            },
            Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "compute", Image = "virt-launcher" }] },
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var daemon in daemons.Values)
        {
            await daemon.StopAsync();
        }

        Kube?.Dispose();
        if (ApiServer is not null)
        {
            await ApiServer.DisposeAsync();
        }

        if (rig is not null)
        {
            await rig.StopAsync();
        }

        DpdkNode.RemoveRuntimeDirectories(runId);
    }
}
