using System.Net;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Daemon.Sriov;
using VmNet.Daemon.Tests.Netlink;
using VmNet.Ovsdb.Client;
using VmNet.TestSupport;

namespace VmNet.Daemon.Tests.Sriov;

/// <summary>Per test: a node netns with an emulated switchdev NIC, the daemon's SR-IOV configurator on it, OVS rows in the class's ovsdb-server.</summary>
internal sealed class SriovRig : IAsyncDisposable
{
    public const string Bridge = "br-int";
    private readonly List<TestNetns> podNamespaces = [];

    private SriovRig(TestNetns node, EmulatedSwitchdevNic nic, HostNetwork host, OvsdbClient ovs, IEswitchModeReader eswitch, IVfMacSetter vfMac)
    {
        Node = node;
        Nic = nic;
        Host = host;
        Ovs = ovs;
        Ports = new OvsPorts(ovs, Bridge);
        Configurator = new SriovInterfaceConfigurator(host, Ports, new SriovTopology(new Sysfs(nic.Root)), eswitch, vfMac);
    }

    public TestNetns Node { get; }

    public EmulatedSwitchdevNic Nic { get; }

    public HostNetwork Host { get; }

    public OvsdbClient Ovs { get; private set; }

    public OvsPorts Ports { get; private set; }

    public SriovInterfaceConfigurator Configurator { get; private set; }

    public static async Task<SriovRig> StartAsync(OpenVSwitchOvsdbFixture db, int vfCount, IEswitchModeReader? eswitch = null, IVfMacSetter? vfMac = null, Func<int, bool>? withRepresentor = null)
    {
        IpTool.Run("ovs-vsctl", "--db=" + db.UnixConnection, "--no-wait", "--may-exist", "add-br", Bridge);
        var node = new TestNetns(TestNames.NewPrefix() + "n");
        try
        {
            var nic = new EmulatedSwitchdevNic(node.Name, vfCount, withRepresentor);
            var host = await HostNetwork.OpenAsync(node.Path, CancellationToken.None);
            var ovs = await ConnectAsync(db);
            return new SriovRig(node, nic, host, ovs, eswitch ?? new FixedEswitchModes("switchdev"), vfMac ?? new RecordingVfMacSetter());
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    /// <summary>A daemon restart: new OVSDB connection, new configurator, nothing carried over in memory.</summary>
    public async Task RestartDaemonAsync(OpenVSwitchOvsdbFixture db, IEswitchModeReader eswitch, IVfMacSetter vfMac)
    {
        await Ovs.DisposeAsync();
        Ovs = await ConnectAsync(db);
        Ports = new OvsPorts(Ovs, Bridge);
        Configurator = new SriovInterfaceConfigurator(Host, Ports, new SriovTopology(new Sysfs(Nic.Root)), eswitch, vfMac);
    }

    public TestNetns NewPod()
    {
        var pod = new TestNetns(TestNames.NewPrefix() + "p");
        podNamespaces.Add(pod);
        return pod;
    }

    public static SriovAttachRequest Request(int vf, TestNetns pod, string portName, string mac, string address, bool leaveForVm = false) => new()
    {
        VfPci = EmulatedSwitchdevNic.VfPci(vf),
        LeaveVfForVm = leaveForVm,
        Pod = new PodInterfaceSpec
        {
            NetnsPath = pod.Path,
            IfName = "eth0",
            HostName = portName,
            Mac = PhysicalAddress.Parse(mac.Replace(':', '-')),
            Mtu = 1400,
            Addresses = [InterfaceAddress.Parse(address)],
            Routes = [RouteSpec.DefaultVia(IPAddress.Parse("10.16.0.1"), "eth0")],
        },
        Port = new OvsPortSpec
        {
            Name = portName,
            IfaceId = portName + ".default",
            ExternalIds = new Dictionary<string, string> { [OvsExternalIds.Vendor] = OvsExternalIds.VendorValue, [OvsExternalIds.PodName] = portName, [OvsExternalIds.PodNamespace] = "default" },
        },
    };

    public Task<LinkInfo?> HostLinkAsync(string name) => Host.Links.TryGetLinkAsync(name, CancellationToken.None);

    public static async Task<LinkInfo?> PodLinkAsync(TestNetns pod, string name)
    {
        using var ns = NetworkNamespace.Open(pod.Path);
        using var links = await RouteNetlinkClient.OpenInAsync(ns, CancellationToken.None);
        return await links.TryGetLinkAsync(name, CancellationToken.None);
    }

    /// <summary>The node as the test found it: every VF and representor under its kernel name, no port on br-int for this NIC.</summary>
    public async Task AssertPristineAsync(int vfCount)
    {
        for (var i = 0; i < vfCount; i++)
        {
            Assert.NotNull(await HostLinkAsync(Nic.VfNetdev(i)));
            var rep = await HostLinkAsync(Nic.Representor(i));
            Assert.NotNull(rep);
            Assert.False(rep.IsUp, $"representor {rep.Name} is up");
        }

        Assert.DoesNotContain(Ports.OwnedInterfaces(), i => i.ExternalIds.GetValueOrDefault(SriovPortState.VfPciKey)?.StartsWith("0000:3b:00.", StringComparison.Ordinal) == true
            && i.ExternalIds.GetValueOrDefault(SriovPortState.PfNetdevKey) == Nic.PfNetdev);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var iface in Ports.OwnedInterfaces().Where(i => i.ExternalIds.GetValueOrDefault(SriovPortState.PfNetdevKey) == Nic.PfNetdev))
        {
            await Ports.RemoveAsync(iface.Name, CancellationToken.None);
        }

        foreach (var pod in podNamespaces)
        {
            pod.Dispose();
        }

        await Ovs.DisposeAsync();
        Host.Dispose();
        Nic.Dispose();
        Node.Dispose();
    }

    private static Task<OvsdbClient> ConnectAsync(OpenVSwitchOvsdbFixture db) =>
        OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = OvsdbClientOptions.ParseRemotes(db.UnixConnection), Database = "Open_vSwitch", Tables = ["Open_vSwitch", "Bridge", "Port", "Interface", "QoS", "Queue"] },
            CancellationToken.None);
}
