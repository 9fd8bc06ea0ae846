using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using VmNet.Daemon.Hosting;
using VmNet.Daemon.Tests.Netlink;

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
        await using var bed = await DaemonHostTestBed.StartAsync(ovsdb, ct);
        var kube = bed.Kube;
        var options = bed.Options("geneve", "192.0.2.11") with { AdditionalSocketPaths = [$"/tmp/{bed.Prefix}/kube-ovn-daemon.sock"] };
        await using var daemon = await DaemonHost.StartAsync(options, kube, Serilog.Core.Logger.None, ct);

        foreach (var socket in options.AllSocketPaths)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
            using var http = DaemonHostTestBed.UnixHttp(socket);
            var del = await http.PostAsync("http://vmnet-daemon/api/v1/del", DaemonHostTestBed.Json("""{"cni_version":"1.0.0","container_id":"abc0123456789","if_name":"eth0"}"""), ct);
            Assert.Equal(HttpStatusCode.OK, del.StatusCode);
        }

        await daemon.StopAsync(ct);
        Assert.All(options.AllSocketPaths, socket => Assert.False(File.Exists(socket), socket + " left behind"));
    }

    [Fact]
    public async Task HostedServiceFailingAtStartLeavesNothingServing()
    {
        var ct = TestDeadline.Token;
        await using var bed = await DaemonHostTestBed.StartAsync(ovsdb, ct);
        var kube = bed.Kube;
        var options = bed.Options("geneve", "192.0.2.11") with { AdditionalSocketPaths = [$"/tmp/{bed.Prefix}/kube-ovn-daemon.sock"] };

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
