using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using VmNet.ApiServer;
using VmNet.Daemon.Hosting;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using RigNetns = VmNet.Sandbox.Rig.NetworkNamespace;

namespace VmNet.Daemon.Tests.PrePlug;

/// <summary>
/// One real rig node (ovsdb-server, userspace ovs-vswitchd, ovn-controller, OVN central) with Kube-OVN's
/// default topology, an in-process API server and our daemon with pre-plugging on. Tests play the
/// controller: logical switch port first, then the pod with its allocation annotations.
/// </summary>
public sealed class PrePlugRigFixture : IAsyncLifetime
{
    private int counter;

    public Rig Rig { get; private set; } = null!;

    public OvsNode Node => Rig.Nodes[0];

    public KubeApiServer Api { get; private set; } = null!;

    public KubeClient Kube { get; private set; } = null!;

    public DaemonHost? Daemon { get; private set; }

    public string Socket => $"/tmp/vmnet-{Rig.RunId.Value}-preplug.sock";

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync();
        Rig = await Rig.StartAsync(new RigOptions { NodeCount = 1 });
        await Rig.Central.NbctlAsync(
        [
            "lr-add", "ovn-cluster", "--", "ls-add", "ovn-default",
            "--", "lrp-add", "ovn-cluster", "ovn-cluster-ovn-default", "0a:00:00:10:00:01", "10.16.0.1/16",
            "--", "lsp-add", "ovn-default", "ovn-default-ovn-cluster", "--", "lsp-set-type", "ovn-default-ovn-cluster", "router",
            "--", "lsp-set-addresses", "ovn-default-ovn-cluster", "router", "--", "lsp-set-options", "ovn-default-ovn-cluster", "router-port=ovn-cluster-ovn-default",
        ]);
        Api = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(5) });
        await Api.StartAsync();
        Kube = new KubeClient(new KubeConfig(Api.BaseAddress));
        await Kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = Node.Name } });
        await StartDaemonAsync();
    }

    /// <summary>Starts the daemon; <paramref name="prePlugMaxAge"/> null keeps the default (10 min).</summary>
    public async Task StartDaemonAsync(TimeSpan? prePlugMaxAge = null) =>
        Daemon = await DaemonHost.StartAsync(
            new DaemonOptions
            {
                NodeName = Node.Name,
                OvsDatabase = Node.Ovsdb.UnixConnection,
                SouthboundRemote = Rig.Central.SouthboundConnection,
                EncapIp = Rig.Options.NodeUnderlayIp(1),
                SocketPath = Socket,
                HostNetns = Node.Netns,
                DatapathType = "netdev",
                OvnInstalledTimeout = TimeSpan.FromSeconds(30),
                GatewayCheckTimeout = TimeSpan.FromSeconds(20),
                PrePlugMaxAge = prePlugMaxAge ?? new DaemonOptions { NodeName = Node.Name }.PrePlugMaxAge,
            },
            Kube,
            Serilog.Core.Logger.None,
            CancellationToken.None);

    public async Task StopDaemonAsync()
    {
        if (Daemon is { } daemon)
        {
            Daemon = null;
            await daemon.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A pod of the test: name, logical port, MAC, IP (unique per fixture) and a fresh netns for its ADD.</summary>
    public async Task<TestPodSpec> NewPodAsync(string label)
    {
        var index = Interlocked.Increment(ref counter);
        var netns = Rig.RunId.Value + "pp" + index.ToString(CultureInfo.InvariantCulture);
        Rig.Manifest.RecordNetns(netns);
        await RigNetns.AddAsync(netns, CancellationToken.None);
        return new TestPodSpec($"{label}-{index}", netns, $"10.16.7.{index + 10}", $"0a:58:0a:10:07:{index + 10:x2}");
    }

    /// <summary>What the controller does: the logical switch port, then the pod with the allocation annotations.</summary>
    public async Task PlayControllerAsync(TestPodSpec pod)
    {
        await Rig.Central.NbctlAsync(["lsp-add", "ovn-default", pod.PortName, "--", "lsp-set-addresses", pod.PortName, pod.Mac + " " + pod.Ip]);
        await Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = pod.Name, Namespace = "default", Annotations = pod.Annotations() },
            Spec = new V1PodSpec { NodeName = Node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });
    }

    public Task<V1Pod> AnnotateAsync(string pod, IReadOnlyDictionary<string, string> annotations)
    {
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
        {
            values[key] = value;
        }

        return Kube.PatchAsync<V1Pod>("default", pod, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = values } }));
    }

    /// <summary>POSTs a daemon request (CNI binary's JSON) to the daemon's socket; status and body.</summary>
    public async Task<(int Status, string Body)> CallAsync(string command, TestPodSpec pod, string containerId, string podUid = "")
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        }) { Timeout = TimeSpan.FromSeconds(90) };
        var body = $$"""{"cni_version":"1.0.0","container_id":"{{containerId}}","net_ns":"/var/run/netns/{{pod.Netns}}","if_name":"eth0","pod_name":"{{pod.Name}}","pod_namespace":"default","pod_uid":"{{podUid}}","provider":"ovn"}""";
        using var response = await http.PostAsync($"http://vmnet-daemon/api/v1/{command}", new StringContent(body, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>An external_ids key of an OVS Interface; null when the interface or the key does not exist.</summary>
    public async Task<string?> InterfaceIdAsync(string name, string key)
    {
        var result = await CommandRunner.RunAsync("ovs-vsctl", ["--db=" + Node.Ovsdb.UnixConnection, "--if-exists", "get", "Interface", name, $"external_ids:\"{key}\""], TimeSpan.FromSeconds(20));
        var value = result.Stdout.Trim().Trim('"');
        return result.ExitCode == 0 && value.Length > 0 ? value : null;
    }

    /// <summary>The daemon's holding namespace (default name for a daemon serving a simulated node).</summary>
    public string HoldingNetns => Node.Netns + "-hold";

    /// <summary>The MAC of a link in the holding namespace, or null when it does not exist there.</summary>
    public async Task<string?> HoldingLinkMacAsync(string name)
    {
        var result = await RigNetns.ExecAsync(HoldingNetns, "cat", ["/sys/class/net/" + name + "/address"], TimeSpan.FromSeconds(20));
        return result.ExitCode == 0 ? result.Stdout.Trim() : null;
    }

    /// <summary>The MAC of a link in the node's namespace, or null when it does not exist there.</summary>
    public async Task<string?> NodeLinkMacAsync(string name)
    {
        var result = await RigNetns.ExecAsync(Node.Netns, "cat", ["/sys/class/net/" + name + "/address"], TimeSpan.FromSeconds(20));
        return result.ExitCode == 0 ? result.Stdout.Trim() : null;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        await StopDaemonAsync();
        Kube?.Dispose();
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        if (Rig is not null)
        {
            await Rig.DisposeAsync();
        }
    }
}

public sealed record TestPodSpec(string Name, string Netns, string Ip, string Mac)
{
    public string PortName => Name + ".default";

    public Dictionary<string, string> Annotations() => new()
    {
        ["ovn.kubernetes.io/allocated"] = "true",
        ["ovn.kubernetes.io/ip_address"] = Ip,
        ["ovn.kubernetes.io/mac_address"] = Mac,
        ["ovn.kubernetes.io/cidr"] = "10.16.0.0/16",
        ["ovn.kubernetes.io/gateway"] = "10.16.0.1",
        ["ovn.kubernetes.io/logical_switch"] = "ovn-default",
        ["ovn.kubernetes.io/routed"] = "true",
    };
}
