using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Controller.Migrations;
using VmNet.Daemon;
using VmNet.Daemon.Hosting;
using VmNet.Dpdk;
using VmNet.E2E.Stack;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// Three nodes: node1 and node2 run Debian's OVS-DPDK build (no hugepages, PMD sleep on), node3 the plain build.
/// Each runs our daemon in-process (userspace datapath, kubelet pods directory and vhost-user share root in the
/// run directory), reached by the published CNI binary. An in-process API server holds the NAD <c>default/dpdk</c>
/// (Kube-OVN's vhost_user_* keys), its Subnet <c>dpdk-vms</c> and the KubeVirt objects; our controller runs the
/// live-migration module against the real Northbound. The tests play kubelet (volumes, CNI calls), KubeVirt
/// (VMI/VMIM, launcher pods) and the addressing controller (LSP and allocation annotations). Veth probe pods sit on
/// the same switch on node1 and node2.
/// </summary>
public sealed class DpdkClusterFixture : Xunit.IAsyncLifetime
{
    public const string Ns = "default";
    public const string Nad = "dpdk";
    public const string Provider = "dpdk.default.ovn";
    public const string Switch = "dpdk-vms";
    public const string Cidr = "10.17.0.0/16";
    public const string Gateway = "10.17.0.1";
    public const string SocketVolume = "vhostuser-sockets";
    public const int Mtu = 1400;

    /// <summary>Differs from the rig's start-up value (1000) so the test sees the daemon applied it.</summary>
    public const int DaemonPmdMaxSleep = 2000;

    private readonly RigRunId runId = RigRunId.New();
    private readonly Dictionary<string, DaemonHost> daemons = [];
    private readonly List<DaemonProcess> restarted = [];
    private readonly CancellationTokenSource stopController = new();
    private Task controller = Task.CompletedTask;
    private Sandbox.Rig.Rig? rig;
    private int addresses = 20;
    private int namespaces;

    public Sandbox.Rig.Rig Rig => rig ?? throw new InvalidOperationException("DpdkClusterFixture is not initialised");

    public KubeApiServer ApiServer { get; private set; } = null!;

    public KubeClient Kube { get; private set; } = null!;

    /// <summary>Veth pod on node1 (same node as a VM started there).</summary>
    public TestPod Prober1 { get; private set; } = null!;

    /// <summary>Veth pod on node2 (across Geneve from node1).</summary>
    public TestPod Prober2 { get; private set; } = null!;

    public string KubeletPods => Path.Combine(Rig.Directory, "kubelet", "pods");

    public string ShareRoot => Path.Combine(Rig.Directory, "vs");

    public string SocketPath(OvsNode node) => $"/tmp/vmnet-{runId.Value}-{node.Name}.sock";

    /// <summary>The NAD's config as Multus hands it to the CNI binary on <paramref name="node"/> (that node's daemon socket).</summary>
    public string NetConf(OvsNode node, string? volume = SocketVolume, string? socketName = "sock") =>
        DaemonCniClient.VhostUserNetConf(SocketPath(node), volume, socketName, Provider, Mtu);

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        if (!DpdkNode.IsInstalled)
        {
            throw new InvalidOperationException($"{DpdkNode.VswitchdDpdkBinary} or {DpdkNode.TestPmdBinary} missing: run scripts/install-deps.sh");
        }

        await RigJanitor.CleanDeadRunsAsync();
        EalRuntimeDirectory.RemoveAbandoned();
        rig = await Sandbox.Rig.Rig.StartAsync(new RigOptions
        {
            RunId = runId,
            NodeCount = 3,
            ConfigureNode = DpdkNode.Configure(runId, new DpdkSettings(), name => name != "node3"),
        });
        try
        {
            await Rig.Central.NbctlAsync(["ls-add", Switch, "--", "set", "Logical_Switch", Switch, "other_config:subnet=" + Cidr]);
            ApiServer = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
            await ApiServer.StartAsync();
            Kube = new KubeClient(new KubeConfig(ApiServer.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
            foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
            {
                await Kube.CreateAsync(crd);
            }

            await Kube.CreateAsync(new V1Subnet
            {
                ApiVersion = "kubeovn.io/v1",
                Kind = "Subnet",
                Metadata = new V1ObjectMeta { Name = Switch },
                Spec = new V1SubnetSpec { CidrBlock = Cidr, Gateway = Gateway, Provider = Provider },
            });
            await Kube.CreateAsync(new V1NetworkAttachmentDefinition
            {
                ApiVersion = "k8s.cni.cncf.io/v1",
                Kind = "NetworkAttachmentDefinition",
                Metadata = new V1ObjectMeta { Name = Nad, Namespace = Ns },
                Spec = new V1NetworkAttachmentDefinitionSpec { Config = DaemonCniClient.VhostUserNetConf("/run/openvswitch/kube-ovn-daemon.sock", SocketVolume, "sock", Provider, Mtu) },
            });
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
                        VhostUserShareRoot = ShareRoot,
                        PmdMaxSleepMicros = DaemonPmdMaxSleep,
                        AnnotationTimeout = TimeSpan.FromSeconds(8),
                        OvnInstalledTimeout = TimeSpan.FromSeconds(20),
                    },
                    Kube,
                    null,
                    CancellationToken.None);
            }

            await StartControllerAsync();
            Prober1 = await AddProberAsync(Rig.Nodes[0], "prb1");
            Prober2 = await AddProberAsync(Rig.Nodes[1], "prb2");
            await Rig.SyncHypervisorsAsync();
            await Rig.WaitPortUpAsync("prb1." + Ns);
            await Rig.WaitPortUpAsync("prb2." + Ns);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Pings <paramref name="ip"/> from <paramref name="prober"/> until it answers (the first packets to a NIC that just
    /// came up wait for ARP and flows; the machine may be loaded), then once more with 3 echoes that must all come back.
    /// </summary>
    public static async Task<CommandResult> PingWhenReachableAsync(TestPod prober, string ip, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await prober.PingAsync(ip, 1, ["-W", "1"])).ExitCode != 0 && DateTime.UtcNow < deadline)
        {
        }

        return await prober.PingAsync(ip, 3, ["-i", "0.2", "-W", "2"]);
    }

    /// <summary>A fresh address on the switch: (ip, mac).</summary>
    public (string Ip, string Mac) NextAddress()
    {
        var n = Interlocked.Increment(ref addresses);
        return ($"10.17.0.{n.ToString(CultureInfo.InvariantCulture)}", $"0a:58:0a:11:00:{n:x2}");
    }

    /// <summary>The addressing controller's part for a VM NIC on the NAD: its LSP, owned by the VM (external_ids pod, ls).</summary>
    public async Task<string> CreateVmPortAsync(string vm, string ip, string mac, IReadOnlyDictionary<string, string>? extraExternalIds = null)
    {
        var lsp = $"{vm}.{Ns}.{Provider}";
        string[] ids = [$"external_ids:pod={Ns}/{vm}", "external_ids:ls=" + Switch, .. (extraExternalIds ?? new Dictionary<string, string>()).Select(p => $"external_ids:\"{p.Key}\"=\"{p.Value}\"")];
        await Rig.Central.NbctlAsync(["lsp-add", Switch, lsp, "--", "lsp-set-addresses", lsp, mac + " " + ip, "--", "set", "Logical_Switch_Port", lsp, .. ids]);
        return lsp;
    }

    /// <summary>The allocation annotations the controller writes on a launcher pod for the NAD's provider.</summary>
    public static Dictionary<string, string> Allocation(string vm, string ip, string mac) => new()
    {
        [$"{Provider}.kubernetes.io/allocated"] = "true",
        [$"{Provider}.kubernetes.io/ip_address"] = ip,
        [$"{Provider}.kubernetes.io/mac_address"] = mac,
        [$"{Provider}.kubernetes.io/cidr"] = Cidr,
        [$"{Provider}.kubernetes.io/gateway"] = Gateway,
        [$"{Provider}.kubernetes.io/logical_switch"] = Switch,
        [$"{Provider}.kubernetes.io/virtualmachine"] = vm,
        ["k8s.v1.cni.cncf.io/networks"] = Nad,
    };

    /// <summary>A virt-launcher pod as KubeVirt creates it (the API server assigns its uid), with the allocation annotations.</summary>
    public Task<V1Pod> CreateLauncherAsync(
        string name, OvsNode node, string vm, string ip, string mac, IReadOnlyDictionary<string, string>? annotations = null, Dictionary<string, string>? labels = null, V1OwnerReference? owner = null)
    {
        var all = Allocation(vm, ip, mac);
        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, Namespace = Ns, Annotations = all, Labels = labels, OwnerReferences = owner is null ? null : [owner] },
            Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "compute", Image = "virt-launcher" }] },
        });
    }

    /// <summary>Kubelet's part before CNI ADD: the pod's emptyDir volume; returns its host path.</summary>
    public string CreateEmptyDir(string podUid, string volume = SocketVolume)
    {
        var dir = Path.Combine(KubeletPods, podUid, "volumes", "kubernetes.io~empty-dir", volume);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The runtime's sandbox network namespace for a pod (recorded for cleanup; names fit 15 characters).</summary>
    public async Task<string> CreateNetnsAsync()
    {
        var netns = runId.Value + "q" + Interlocked.Increment(ref namespaces).ToString(CultureInfo.InvariantCulture);
        Rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, CancellationToken.None);
        return netns;
    }

    /// <summary>
    /// The launcher container's view of its volume: QEMU/testpmd bind the socket through a short link, because the
    /// host path of a pod volume is longer than a unix socket path may be.
    /// </summary>
    public string LauncherView(string volume, string name)
    {
        var link = Path.Combine(Rig.Directory, name);
        Directory.CreateSymbolicLink(link, volume);
        return link;
    }

    /// <summary>A vswitchd started by a test (restart): stopped before the rig.</summary>
    public void Track(DaemonProcess process) => restarted.Add(process);

    public async Task DisposeAsync()
    {
        await stopController.CancelAsync();
        try
        {
            await controller.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var daemon in daemons.Values)
        {
            await daemon.StopAsync();
        }

        Kube?.Dispose();
        if (ApiServer is not null)
        {
            await ApiServer.DisposeAsync();
        }

        foreach (var process in restarted)
        {
            await process.StopAsync(CancellationToken.None);
        }

        if (rig is not null)
        {
            await rig.StopAsync();
        }

        DpdkNode.RemoveRuntimeDirectories(runId);
        stopController.Dispose();
    }

    private async Task StartControllerAsync()
    {
        var options = InProcessController.Options(Cidr, Rig.Central.NorthboundConnection, workerCount: 2);
        var host = new ControllerHost(options, Kube, NullLoggerFactory.Instance, modules: [new MigrationModule(MigrationModule.DefaultActivationGrace, ActivationStrategyPolicy.Default)]);
        controller = Task.Run(() => host.RunAsync(stopController.Token));
        var context = await InProcessController.WaitStartedAsync(host, controller, CancellationToken.None);
        await context.Informers.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<TestPod> AddProberAsync(OvsNode node, string name)
    {
        var (ip, mac) = NextAddress();
        var lsp = name + "." + Ns;
        await Rig.Central.NbctlAsync(["lsp-add", Switch, lsp, "--", "lsp-set-addresses", lsp, mac + " " + ip]);
        return await Rig.AddPodAsync(node, Rig.PodOptions(name + runId.Value[2..], lsp, mac, ip + "/16", null));
    }
}
