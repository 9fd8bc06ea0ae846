using System.Globalization;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>A pod of a test: its netns, node, container ID and the address the "controller" (the test) gave it.</summary>
public sealed record CniPod(string Name, OvsNode Node, string Netns, string ContainerId, string Ip, string Mac)
{
    public string NetnsPath => "/var/run/netns/" + Netns;

    public string PortName => Name + ".default";

    public string HostVeth => ContainerId[..12] + "_h";

    /// <summary>Annotations exactly as Kube-OVN's controller writes them for the default provider (facts §2.2).</summary>
    public Dictionary<string, string> ControllerAnnotations() => new()
    {
        ["ovn.kubernetes.io/allocated"] = "true",
        ["ovn.kubernetes.io/ip_address"] = Ip,
        ["ovn.kubernetes.io/mac_address"] = Mac,
        ["ovn.kubernetes.io/cidr"] = KubeOvnTopology.Cidr,
        ["ovn.kubernetes.io/gateway"] = KubeOvnTopology.Gateway,
        ["ovn.kubernetes.io/logical_switch"] = KubeOvnTopology.Switch,
        ["ovn.kubernetes.io/pod_nic_type"] = "veth-pair",
        ["ovn.kubernetes.io/routed"] = "true",
    };

    public static async Task<CniPod> NewAsync(DaemonRigFixture fixture, OvsNode node, string label)
    {
        var index = fixture.NextIndex();
        var netns = await fixture.NewNetnsAsync();
        var name = $"{label}-{fixture.Rig.RunId.Value}-{index.ToString(CultureInfo.InvariantCulture)}";
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        var ip = $"10.16.{index / 200}.{(index % 200) + 10}";
        var mac = $"0a:58:0a:10:{index / 200:x2}:{(index % 200) + 10:x2}";
        return new CniPod(name, node, netns, containerId, ip, mac);
    }

    /// <summary>What the controller does for the pod: the logical switch port, then the annotations.</summary>
    public async Task PlayControllerAsync(DaemonRigFixture fixture, bool createPodObject = true)
    {
        await KubeOvnTopology.AddPortAsync(fixture.Central, PortName, Mac, Ip);
        if (createPodObject)
        {
            await fixture.CreatePodAsync(Name, Node, ControllerAnnotations());
        }
    }

    public Task<CniBinary.Outcome> AddAsync(DaemonRigFixture fixture, string? netconf = null) =>
        CniBinary.RunAsync("ADD", ContainerId, NetnsPath, "eth0", "default", Name, netconf ?? CniBinary.NetConf(fixture.SocketPath(Node)), Timeouts.Token(120));

    public Task<CniBinary.Outcome> DelAsync(DaemonRigFixture fixture) =>
        CniBinary.RunAsync("DEL", ContainerId, NetnsPath, "eth0", "default", Name, CniBinary.NetConf(fixture.SocketPath(Node)), Timeouts.Token(60));

    public Task<CniBinary.Outcome> CheckAsync(DaemonRigFixture fixture) =>
        CniBinary.RunAsync("CHECK", ContainerId, NetnsPath, "eth0", "default", Name, CniBinary.NetConf(fixture.SocketPath(Node)), Timeouts.Token(60));

    public Task<CommandResult> ExecAsync(string file, params string[] args) =>
        NetworkNamespace.ExecAsync(Netns, file, args, TimeSpan.FromSeconds(60));
}
