using System.Net.Sockets;
using System.Text;
using VmNet.ApiServer;
using VmNet.Daemon.Hosting;
using VmNet.Daemon.Tests.Netlink;
using VmNet.Kube;
using VmNet.Kube.Config;

namespace VmNet.Daemon.Tests.Hosting;

/// <summary>
/// What every daemon host test starts from: the shared OVS database re-initialised, a host namespace and an
/// in-process API server with a client, all named from one fresh prefix so parallel runs never collide.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class DaemonHostTestBed : IAsyncDisposable
{
    private readonly VswitchOvsdbFixture _ovsdb;
    private readonly KubeApiServer _api;

    private DaemonHostTestBed(VswitchOvsdbFixture ovsdb, string prefix, TestNetns netns, KubeApiServer api)
    {
        _ovsdb = ovsdb;
        Prefix = prefix;
        Netns = netns;
        _api = api;
        Kube = new KubeClient(new KubeConfig(api.BaseAddress));
    }

    public string Prefix { get; }

    public TestNetns Netns { get; }

    public KubeClient Kube { get; }

    public string NodeName => Prefix + "-node";

    public string SouthboundRemote => $"unix:/tmp/{Prefix}/no-sb.sock";

    public static async Task<DaemonHostTestBed> StartAsync(VswitchOvsdbFixture ovsdb, CancellationToken cancellationToken)
    {
        var prefix = TestNames.NewPrefix();
        await ovsdb.VsctlAsync("init");
        var netns = new TestNetns(prefix + "ns");
        var api = new KubeApiServer(new ApiServerOptions());
        try
        {
            await api.StartAsync(cancellationToken);
            return new DaemonHostTestBed(ovsdb, prefix, netns, api);
        }
        catch
        {
            await api.DisposeAsync();
            netns.Dispose();
            throw;
        }
    }

    /// <summary>Options for a daemon on this bed's node; no Southbound DB listens behind its ovn-remote.</summary>
    public DaemonOptions Options(string encapType, string encapIp) => new()
    {
        NodeName = NodeName,
        OvsDatabase = _ovsdb.UnixConnection,
        SouthboundRemote = SouthboundRemote,
        EncapType = encapType,
        EncapIp = encapIp,
        SocketPath = $"/tmp/{Prefix}/daemon.sock",
        HostNetns = Netns.Name,
        DatapathType = "netdev",
    };

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static HttpClient UnixHttp(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    });

    public async ValueTask DisposeAsync()
    {
        Kube.Dispose();
        await _api.DisposeAsync();
        Netns.Dispose();

        // The daemon's holding namespace outlives it on purpose (attached pods depend on it); the test's must not.
        IpTool.TryRun("ip", "netns", "del", VmNet.Daemon.Pods.HoldingNetwork.DefaultName(Netns.Name));
    }
}
