using VmNet.Daemon.Dpdk;
using VmNet.Dpdk;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// Three nodes: node1 and node2 run Debian's OVS-DPDK build (no hugepages, PMD sleep on), node3 the plain
/// build. One logical switch with veth pods on node1 and node2 and the VM port "vm1". The daemon-side
/// vhost-user code talks to each node's OVSDB through our client; kubelet's pods directory and the socket
/// share root are per-run temp directories.
/// </summary>
public sealed class DpdkRigFixture : IAsyncLifetime
{
    public const string Switch = "sw";
    public const string VmPort = "vm1";
    public const string VmMac = "0a:00:00:10:00:15";
    public const string VmIp = "10.16.0.21";
    public const string MigratingPort = "vm2";
    public const string MigratingMac = "0a:00:00:10:00:16";
    public const string MigratingIp = "10.16.0.22";
    public const string Pod1Ip = "10.16.0.11";
    public const string Pod2Ip = "10.16.0.12";
    public const int Mtu = 1400;

    private readonly RigRunId runId = RigRunId.New();
    private readonly List<OvsdbClient> clients = [];
    private readonly List<DaemonProcess> extraDaemons = [];
    private Sandbox.Rig.Rig? rig;

    public Sandbox.Rig.Rig Rig => rig ?? throw new InvalidOperationException("DpdkRigFixture is not initialised");

    public RigRunId RunId => runId;

    public TestPod Pod1 { get; private set; } = null!;

    public TestPod Pod2 { get; private set; } = null!;

    public string KubeletPods => Path.Combine(Rig.Directory, "kubelet", "pods");

    /// <summary>Short on purpose: the socket path OVS opens must fit in 107 bytes.</summary>
    public string ShareRoot => Path.Combine(Rig.Directory, "vs");

    public DpdkSettings Settings { get; } = new() { PmdMaxSleepMicros = 1000, EalExtra = "--no-pci --no-huge -m 512 --legacy-mem" };

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
            ConfigureNode = DpdkNode.Configure(runId, Settings, name => name != "node3"),
        });
        try
        {
            await Rig.Central.NbctlAsync([
                "ls-add", Switch,
                "--", "lsp-add", Switch, "pod1", "--", "lsp-set-addresses", "pod1", "0a:00:00:10:00:0b " + Pod1Ip,
                "--", "lsp-add", Switch, "pod2", "--", "lsp-set-addresses", "pod2", "0a:00:00:10:00:0c " + Pod2Ip,
                "--", "lsp-add", Switch, VmPort, "--", "lsp-set-addresses", VmPort, VmMac + " " + VmIp,
                "--", "lsp-add", Switch, MigratingPort, "--", "lsp-set-addresses", MigratingPort, MigratingMac + " " + MigratingIp,
            ]);
            Pod1 = await Rig.AddPodAsync(Rig.Nodes[0], Rig.PodOptions("pod1", "pod1", "0a:00:00:10:00:0b", Pod1Ip + "/16", null));
            Pod2 = await Rig.AddPodAsync(Rig.Nodes[1], Rig.PodOptions("pod2", "pod2", "0a:00:00:10:00:0c", Pod2Ip + "/16", null));
            await Rig.SyncHypervisorsAsync();
            await Rig.WaitPortUpAsync("pod1");
            await Rig.WaitPortUpAsync("pod2");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Our OVSDB client on a node's Open_vSwitch database (the daemon's view), disposed with the fixture.</summary>
    public async Task<VhostUserAttachment> AttachmentOnAsync(OvsNode node)
    {
        var client = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Unix(node.Ovsdb.SocketPath)], Database = "Open_vSwitch" },
            CancellationToken.None);
        clients.Add(client);
        await client.WaitConnectedAsync(CancellationToken.None);
        return new VhostUserAttachment(new VhostUserPorts(client, OvsNode.IntegrationBridge), KubeletPods, ShareRoot);
    }

    /// <summary>What kubelet does before CNI ADD: the pod's emptyDir volume exists.</summary>
    public string CreateEmptyDir(string podUid, string volume)
    {
        var dir = Path.Combine(KubeletPods, podUid, "volumes", "kubernetes.io~empty-dir", volume);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public VhostUserAttachRequest Request(string podUid, string portName, string? volume = "vhostuser-sockets", string? socket = "sock", string ifaceId = VmPort, string mac = VmMac) => new()
    {
        PodNamespace = "default",
        PodName = "virt-launcher-" + podUid,
        PodUid = podUid,
        ContainerId = runId.Value + podUid,
        IfName = "net1",
        PortName = portName,
        IfaceId = ifaceId,
        Mac = mac,
        Mtu = Mtu,
        SocketVolumeName = volume,
        SocketName = socket,
        ExternalIds = new Dictionary<string, string> { ["vendor"] = "vmnet" },
    };

    /// <summary>testpmd standing in for QEMU: listens on the socket inside the pod's volume (the runtime's view).</summary>
    public TestPmdPeer StartPeer(string volumeSocketPath, string name) =>
        TestPmdPeer.Start(volumeSocketPath, VmMac, runId.Value + "-tp" + name, Path.Combine(Rig.Directory, "testpmd-" + name + ".log"));

    /// <summary>A daemon started outside the rig's bookkeeping (a restarted vswitchd): stopped before the rig.</summary>
    public void Track(DaemonProcess process) => extraDaemons.Add(process);

    public async Task DisposeAsync()
    {
        foreach (var daemon in extraDaemons)
        {
            await daemon.StopAsync(CancellationToken.None);
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        if (rig is not null)
        {
            await rig.StopAsync();
        }

        DpdkNode.RemoveRuntimeDirectories(runId);
    }
}
