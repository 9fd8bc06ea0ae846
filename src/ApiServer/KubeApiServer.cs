using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VmNet.ApiServer;

/// <summary>
/// An in-process Kubernetes API server (Kestrel, 127.0.0.1 unless configured). Start it, point a client at
/// <see cref="BaseAddress"/>, register resources (or create CustomResourceDefinitions), and use
/// <see cref="Store"/> and <see cref="Controls"/> for direct access and fault injection in tests.
/// The store survives <see cref="RestartAsync"/>.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    private readonly ApiServerOptions _options;
    private readonly ApiHandler _handler;
    private readonly Lock _gate = new();
    private X509Certificate2? _certificate;
    private WebApplication? _app;
    private CancellationTokenSource? _stopping;
    private int _port;

    public KubeApiServer(ApiServerOptions? options = null)
    {
        _options = options ?? new ApiServerOptions();
        _port = _options.Port;
        Resources = new ResourceRegistry();
        Store = new ObjectStore(Resources, _options);
        Controls = new ApiServerControls();
        _handler = new ApiHandler(Store, Resources, Controls, _options, () => BaseAddress.Authority);
    }

    public ResourceRegistry Resources { get; }

    public ObjectStore Store { get; }

    public ApiServerControls Controls { get; }

    public bool IsRunning => _app is not null;

    /// <summary>http(s)://address:port/ once started.</summary>
    public Uri BaseAddress => _port == 0
        ? throw new InvalidOperationException("the API server has not been started")
        : new Uri($"{(_options.UseHttps ? "https" : "http")}://{new IPEndPoint(ClientAddress, _port)}/");

    // A wildcard listener is reached through loopback by local clients.
    private IPAddress ClientAddress =>
        _options.ListenAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
        : _options.ListenAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
        : _options.ListenAddress;

    /// <summary>The serving certificate in HTTPS mode (also the CA clients must trust).</summary>
    public X509Certificate2? Certificate => _certificate;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_app is not null)
            {
                throw new InvalidOperationException("the API server is already running");
            }
        }

        if (_options.UseHttps)
        {
            _certificate ??= SelfSignedCertificate.Create(_options.ListenAddress);
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddLogging(l => l.ClearProviders());
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;

            // Go clients multiplex every watch over one HTTP/2 connection; Kestrel's default of 100 streams
            // would stall informers long before the real server's limit would.
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Listen(_options.ListenAddress, _port, listen =>
            {
                if (_certificate is not null)
                {
                    listen.UseHttps(_certificate);
                }
            });
        });
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        app.Run(context => _handler.HandleAsync(context, stopping.Token));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
        lock (_gate)
        {
            _app = app;
            _stopping = stopping;
        }
    }

    /// <summary>Stops serving; open watches end. Objects stay in the store.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        WebApplication? app;
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            (app, stopping) = (_app, _stopping);
            (_app, _stopping) = (null, null);
        }

        if (app is null)
        {
            return;
        }

        await stopping!.CancelAsync();
        Store.DropAllWatches();
        await app.StopAsync(cancellationToken);
        await app.DisposeAsync();
        stopping.Dispose();
    }

    /// <summary>Stops and starts again on the same port, keeping every object and the watch history.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    /// <summary>Ends every open watch now; clients see their streams close and must re-watch.</summary>
    public int DropAllWatches() => Store.DropAllWatches();

    /// <summary>Compacts the watch history: watches and continue tokens from older resourceVersions get 410 Expired.</summary>
    public void CompactHistory() => Store.CompactHistory();

    /// <summary>An HttpClient aimed at the server (trusting its certificate and sending its token).</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (_certificate is not null)
        {
            var expected = _certificate.Thumbprint;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && string.Equals(cert.GetCertHashString(), expected, StringComparison.OrdinalIgnoreCase);
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (_options.BearerToken is { } token)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Writes a kubeconfig for kubectl and clients; returns its path.</summary>
    public string WriteKubeconfig(string path, string contextName = "vmnet")
    {
        var caPem = _certificate?.ExportCertificatePem();
        File.WriteAllText(path, Kubeconfig.Render(BaseAddress, caPem, _options.BearerToken, contextName));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _certificate?.Dispose();
    }
}
