using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;
using VmNet.Kube.Transport;

namespace VmNet.Kube;

/// <summary>
/// <see cref="IKubeClient"/> over HTTPS (or plain HTTP for local test servers). Thread-safe; create one per process.
/// Retries follow <see cref="RequestSafety"/>.
/// </summary>
public sealed class KubeClient : IKubeClient, IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly KubeConfig _config;
    private readonly KubeClientOptions _options;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _idempotent;
    private readonly ResiliencePipeline<HttpResponseMessage> _notIdempotent;
    private readonly ILogger _logger;
    private readonly string _basePath;

    public KubeClient(KubeConfig config, KubeClientOptions? options = null, ILogger<KubeClient>? logger = null)
        : this(config, KubeHttpHandlerFactory.Create(config ?? throw new ArgumentNullException(nameof(config)), options ?? new KubeClientOptions()), options, logger)
    {
    }

    /// <summary>
    /// Sends through <paramref name="handler"/> (e.g. an in-memory test server) instead of a socket handler built
    /// from <paramref name="config"/>; TLS is then the handler's business. The client disposes the handler.
    /// </summary>
    public KubeClient(KubeConfig config, HttpMessageHandler handler, KubeClientOptions? options = null, ILogger<KubeClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(handler);
        _config = config;
        _options = options ?? new KubeClientOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        // A server URL may carry a path (clusters behind an authenticating proxy): API paths go below it.
        _basePath = config.Server.AbsolutePath.TrimEnd('/');
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = new Uri(config.Server.GetLeftPart(UriPartial.Authority)),
            // Per-attempt limits are applied by SendAsync; watches must be able to stay open.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _idempotent = KubeRetryPipeline.Create(RequestSafety.Idempotent, _options, _logger);
        _notIdempotent = KubeRetryPipeline.Create(RequestSafety.NotIdempotent, _options, _logger);
    }

    /// <summary>The configuration this client talks with (server, default namespace).</summary>
    public KubeConfig Config => _config;

    public Task<T> GetAsync<T>(KubeResource resource, string? namespaceName, string name, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        return SendForObjectAsync<T>(HttpMethod.Get, resource.ObjectPath(namespaceName, name), null, RequestSafety.Idempotent, cancellationToken);
    }

    public Task<KubeList<T>> ListAsync<T>(KubeResource resource, string? namespaceName, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        var query = new QueryBuilder()
            .Add("labelSelector", options?.LabelSelector)
            .Add("fieldSelector", options?.FieldSelector)
            .Add("limit", options?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("continue", options?.Continue)
            .Add("resourceVersion", options?.ResourceVersion)
            .Add("resourceVersionMatch", options?.ResourceVersionMatch);
        return SendForObjectAsync<KubeList<T>>(HttpMethod.Get, resource.CollectionPath(namespaceName) + query, null, RequestSafety.Idempotent, cancellationToken);
    }

    public Task<T> CreateAsync<T>(KubeResource resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubeObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        var path = resource.CollectionPath(resource.Namespaced ? RequireNamespace(resource, obj) : null);
        FillTypeMeta(resource, obj);
        return SendForObjectAsync<T>(HttpMethod.Post, path, JsonBody(obj), RequestSafety.NotIdempotent, cancellationToken);
    }

    public Task<T> ReplaceAsync<T>(KubeResource resource, T obj, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubeObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"{resource.Kind} to replace has no metadata.name", nameof(obj));
        }

        var path = resource.ObjectPath(resource.Namespaced ? RequireNamespace(resource, obj) : null, name, subresource);
        FillTypeMeta(resource, obj);
        return SendForObjectAsync<T>(HttpMethod.Put, path, JsonBody(obj), RequestSafety.Idempotent, cancellationToken);
    }

    public Task<T> PatchAsync<T>(KubeResource resource, string? namespaceName, string name, KubePatch patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(patch);
        var path = resource.ObjectPath(namespaceName, name, subresource);
        var content = () => (HttpContent)new StringContent(patch.Body, Encoding.UTF8, new MediaTypeHeaderValue(patch.ContentType));
        var safety = patch.IsIdempotent ? RequestSafety.Idempotent : RequestSafety.NotIdempotent;
        return SendForObjectAsync<T>(HttpMethod.Patch, path, content, safety, cancellationToken);
    }

    public async Task DeleteAsync(KubeResource resource, string? namespaceName, string name, V1DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var path = resource.ObjectPath(namespaceName, name);
        Func<HttpContent>? content = null;
        if (options is not null)
        {
            options.ApiVersion ??= "v1";
            options.Kind ??= "DeleteOptions";
            content = JsonBody(options);
        }

        using var response = await SendAsync(HttpMethod.Delete, path, content, RequestSafety.Idempotent, streaming: false, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, HttpMethod.Delete, path, cancellationToken).ConfigureAwait(false);
    }

    public async Task<V1APIResourceList?> GetApiResourcesAsync(string group, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var path = group.Length == 0 ? $"/api/{Uri.EscapeDataString(version)}" : $"/apis/{Uri.EscapeDataString(group)}/{Uri.EscapeDataString(version)}";
        try
        {
            return await SendForObjectAsync<V1APIResourceList>(HttpMethod.Get, path, null, RequestSafety.Idempotent, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(KubeResource resource, string? namespaceName, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        options ??= new WatchOptions();
        var path = resource.CollectionPath(namespaceName) + new QueryBuilder()
            .Add("watch", "1")
            .Add("allowWatchBookmarks", options.AllowBookmarks ? "true" : null)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await SendAsync(HttpMethod.Get, path, null, RequestSafety.Idempotent, streaming: true, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, HttpMethod.Get, path, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var reader = new WatchStreamReader<T>(stream, path, _logger);
            await foreach (var watchEvent in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return watchEvent;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private static string RequireNamespace(KubeResource resource, IKubeObject obj)
    {
        var ns = obj.Metadata?.Namespace;
        if (string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{resource.Kind} '{obj.Metadata?.Name ?? obj.Metadata?.GenerateName}' is namespaced but metadata.namespace is empty", nameof(obj));
        }

        return ns;
    }

    private static void FillTypeMeta(KubeResource resource, IKubeObject obj)
    {
        obj.ApiVersion ??= resource.ApiVersion;
        obj.Kind ??= resource.Kind;
    }

    private static Func<HttpContent> JsonBody<TBody>(TBody body)
    {
        // Serialised once; each retry attempt gets fresh content over the same bytes.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, KubeJson.Options);
        return () =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = JsonContentType;
            return content;
        };
    }

    private async Task<T> SendForObjectAsync<T>(HttpMethod method, string path, Func<HttpContent>? content, RequestSafety safety, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await SendAsync(method, path, content, safety, streaming: false, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, method, path, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(body, KubeJson.Options)
                ?? throw new KubeProtocolException($"{method} {path}: the response body is JSON null, expected a {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new KubeProtocolException($"{method} {path}: the response is not valid JSON for {typeof(T).Name} ({e.Message}); body starts: {ResponseErrors.Snippet(body)}", e);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Func<HttpContent>? content, RequestSafety safety, bool streaming, CancellationToken cancellationToken)
    {
        var pipeline = safety == RequestSafety.Idempotent ? _idempotent : _notIdempotent;
        return await pipeline.ExecuteAsync(
            async token => await SendOnceAsync(method, path, content, streaming, token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, string path, Func<HttpContent>? content, bool streaming, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, _basePath + path) { Content = content?.Invoke() };
        if (_config.TokenSource is { } tokenSource)
        {
            var token = await tokenSource.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        // For a watch this bounds only the wait for the response headers; the stream itself is not tied to it.
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(_options.RequestTimeout);

        try
        {
            var completion = streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;
            return await _http.SendAsync(request, completion, attemptTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeConnectionException($"{method} {_http.BaseAddress}{(_basePath + path).TrimStart('/')}: no response within {_options.RequestTimeout.TotalSeconds:0.#} s", requestSent: true, e);
        }
        catch (HttpRequestException e)
        {
            var sent = e.HttpRequestError is not (HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError);
            var what = sent ? "the connection broke after the request was sent" : "could not connect";
            throw new KubeConnectionException($"{method} {_http.BaseAddress}{(_basePath + path).TrimStart('/')}: {what} ({e.HttpRequestError}): {ResponseErrors.Describe(e)}", sent, e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        throw KubeApiException.Create(response.StatusCode, method.Method, path, ResponseErrors.ParseStatus(body), response.Headers.RetryAfter?.ToString());
    }
}
