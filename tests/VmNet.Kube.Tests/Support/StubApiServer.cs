using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace VmNet.Kube.Tests.Support;

/// <summary>One request as the stub saw it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string? Authorization, string Body, X509Certificate2? ClientCertificate);

/// <summary>
/// A Kestrel server on 127.0.0.1 (random port) whose every request is answered by a test-supplied handler and
/// recorded. Optionally HTTPS with a given certificate, optionally requiring a client certificate.
/// </summary>
public sealed class StubApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private StubApiServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<StubApiServer> StartAsync(Func<HttpContext, Task> handler, X509Certificate2? serverCertificate = null, bool requireClientCertificate = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (serverCertificate is not null)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = serverCertificate;
                        if (requireClientCertificate)
                        {
                            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                            // The tests check which certificate arrived; chain building is the client's concern here.
                            https.ClientCertificateValidation = (_, _, _) => true;
                        }
                    });
                }
            });
        });
        var app = builder.Build();
        StubApiServer? server = null;
        app.Run(async context =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            server!._requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.ContentType,
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
                body,
                context.Connection.ClientCertificate));
            await handler(context);
        });
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        var scheme = serverCertificate is null ? "http" : "https";
        server = new StubApiServer(app, new Uri($"{scheme}://127.0.0.1:{port}/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
