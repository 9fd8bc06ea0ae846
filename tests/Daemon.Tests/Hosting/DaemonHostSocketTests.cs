using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using VmNet.ApiServer;
using VmNet.Daemon.Hosting;
using VmNet.Daemon.Tests.Netlink;
using VmNet.Kube;
using VmNet.Kube.Config;

namespace VmNet.Daemon.Tests.Hosting;

/// <summary>
/// The daemon's sockets: further sockets (Kube-OVN's path) serve the same API with the same mode and lifetime,
/// and a start that fails in a hosted service leaves nothing running: no socket served or behind, the services that
/// had started stopped, the app disposed. Own OVSDB: these daemons register other system-ids than
/// <see cref="DaemonHostTests"/> expects.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DaemonHostSocketTests(VswitchOvsdbFixture ovsdb) : IClassFixture<VswitchOvsdbFixture>
{
    [Fact]
    public async Task AdditionalSocketServesTheSameApi()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        await ovsdb.VsctlAsync("init");
        using var netns = new TestNetns(prefix + "ns");
        await using var api = new KubeApiServer(new ApiServerOptions());
        await api.StartAsync(ct);
        using var kube = new KubeClient(new KubeConfig(api.BaseAddress));
        var options = Options(prefix, netns.Name) with { AdditionalSocketPaths = [$"/tmp/{prefix}/kube-ovn-daemon.sock"] };
        await using var daemon = await DaemonHost.StartAsync(options, kube, Serilog.Core.Logger.None, ct);

        foreach (var socket in options.AllSocketPaths)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
            using var http = DaemonHostTests.UnixHttp(socket);
            var del = await http.PostAsync("http://vmnet-daemon/api/v1/del", DaemonHostTests.Json("""{"cni_version":"1.0.0","container_id":"abc0123456789","if_name":"eth0"}"""), ct);
            Assert.Equal(HttpStatusCode.OK, del.StatusCode);
        }

        await daemon.StopAsync(ct);
        Assert.All(options.AllSocketPaths, socket => Assert.False(File.Exists(socket), socket + " left behind"));
    }

    [Fact]
    public async Task HostedServiceFailingAtStartLeavesNothingServing()
    {
        var ct = TestDeadline.Token;
        var prefix = TestNames.NewPrefix();
        await ovsdb.VsctlAsync("init");
        using var netns = new TestNetns(prefix + "ns");
        await using var api = new KubeApiServer(new ApiServerOptions());
        await api.StartAsync(ct);
        using var kube = new KubeClient(new KubeConfig(api.BaseAddress));
        var options = Options(prefix, netns.Name) with { AdditionalSocketPaths = [$"/tmp/{prefix}/kube-ovn-daemon.sock"] };

        using var probe = new StartProbe();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DaemonHost.StartAsync(
            options,
            kube,
            Serilog.Core.Logger.None,
            ct,
            services =>
            {
                services.AddSingleton(_ => probe);
                services.AddHostedService(sp => sp.GetRequiredService<StartProbe>());
                services.AddHostedService<FailingAtStart>();
            }));
        Assert.Equal(FailingAtStart.Message, error.Message);

        // What started before the failure is stopped, and the app's services are disposed.
        Assert.True(probe.Started, "the probe service never started");
        Assert.True(probe.Stopped, "a hosted service that started before the failure keeps running");
        Assert.True(probe.Disposed, "the web app's services were not disposed");

        // Kestrel had started before the failing service: it must not keep serving a daemon nobody owns.
        foreach (var socket in options.AllSocketPaths)
        {
            Assert.False(File.Exists(socket), socket + " left behind");
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct));
        }

        // And the same sockets can be served again right away.
        await using var daemon = await DaemonHost.StartAsync(options, kube, Serilog.Core.Logger.None, ct);
        Assert.True(File.Exists(options.SocketPath));
    }

    private DaemonOptions Options(string prefix, string netns) => new()
    {
        NodeName = prefix + "-node",
        OvsDatabase = ovsdb.UnixConnection,
        SouthboundRemote = $"unix:/tmp/{prefix}/no-sb.sock",
        EncapType = "geneve",
        EncapIp = "192.0.2.11",
        SocketPath = $"/tmp/{prefix}/daemon.sock",
        HostNetns = netns,
        DatapathType = "netdev",
    };

    private sealed class StartProbe : Microsoft.Extensions.Hosting.IHostedService, IDisposable
    {
        public bool Started { get; private set; }

        public bool Stopped { get; private set; }

        public bool Disposed { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Stopped = true;
            return Task.CompletedTask;
        }

        public void Dispose() => Disposed = true;
    }

    private sealed class FailingAtStart : Microsoft.Extensions.Hosting.IHostedService
    {
        public const string Message = "hosted service refused to start (test)";

        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException(Message);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

}
