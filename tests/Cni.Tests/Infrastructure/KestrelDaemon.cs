using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VmNet.Cni.Tests.Infrastructure;

/// <summary>
/// The protocol served the way the real daemon is expected to serve it (Kestrel on a unix socket,
/// minimal API, JSON written by the framework), to prove the hand-written client interoperates.
/// </summary>
public sealed class KestrelDaemon : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly string directory;

    private KestrelDaemon(WebApplication app, string directory, string socketPath)
    {
        this.app = app;
        this.directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public ConcurrentQueue<DaemonRequest> Requests { get; } = new();

    public static async Task<KestrelDaemon> StartAsync()
    {
        var directory = TempDir.Create();
        var socketPath = Path.Combine(directory, "daemon.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath));
        var app = builder.Build();
        var daemon = new KestrelDaemon(app, directory, socketPath);
        app.MapPost(DaemonProtocol.AddPath, async (HttpContext http) =>
        {
            var request = await http.Request.ReadFromJsonAsync(CniJsonContext.Default.DaemonRequest);
            daemon.Requests.Enqueue(request!);
            await http.Response.WriteAsJsonAsync(new DaemonResponse { Result = FakeDaemon.DefaultResult(request!) }, CniJsonContext.Default.DaemonResponse);
        });
        await app.StartAsync();
        return daemon;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}
