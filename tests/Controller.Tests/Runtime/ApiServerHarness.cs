using System.Text.Json.Nodes;
using VmNet.ApiServer;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>A started in-process API server and a <see cref="KubeClient"/> aimed at it; one per test.</summary>
public sealed class ApiServerHarness : IAsyncDisposable
{
    private ApiServerHarness(KubeApiServer server, KubeClient client)
    {
        Server = server;
        Client = client;
    }

    public KubeApiServer Server { get; }

    public KubeClient Client { get; }

    public static async Task<ApiServerHarness> StartAsync(ApiServerOptions? options = null)
    {
        var server = new KubeApiServer(options ?? new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await server.StartAsync();
        var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions
        {
            MaxRetryAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
            RequestTimeout = TimeSpan.FromSeconds(20),
        });
        return new ApiServerHarness(server, client);
    }

    /// <summary>Makes watches of <paramref name="plural"/> fail until <see cref="ApiServerControls.ClearFaults"/>.</summary>
    public void FailWatches(string plural) =>
        Server.Controls.FailNextRequests(1_000_000, 500, match: r => r.Verb == "watch" && r.Resource == plural);

    public Task<V1Pod> CreatePodAsync(string ns, string name, string? node = null, Dictionary<string, string>? annotations = null) =>
        Client.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, Namespace = ns, Annotations = annotations },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });

    public Task<V1Pod> AnnotatePodAsync(string ns, string name, string value) =>
        Client.PatchAsync<V1Pod>(ns, name, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["test/value"] = value } } }));

    public async Task<Dictionary<string, string?>> PodVersionsAsync()
    {
        var list = await Client.ListAsync<V1Pod>(null);
        return list.Items.ToDictionary(p => $"{p.Metadata!.Namespace}/{p.Metadata.Name}", p => p.Metadata!.ResourceVersion);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
