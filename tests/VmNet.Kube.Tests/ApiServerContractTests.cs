using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.ApiServer;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;
using VmNet.Kube.Tests.Support;

namespace VmNet.Kube.Tests;

/// <summary>
/// The client against the project's in-process API server (src/ApiServer): both sides of the REST contract,
/// over HTTPS with a bearer token from the kubeconfig the server writes.
/// </summary>
public sealed class ApiServerContractTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private KubeApiServer _server = null!;
    private KubeClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = new KubeApiServer(new ApiServerOptions
        {
            UseHttps = true,
            BearerToken = "contract-token",
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
            WatchHistorySize = 20,
        });
        await _server.StartAsync();
        var config = KubeConfig.LoadFromFile(_server.WriteKubeconfig(Path.Combine(_dir.Path, "kubeconfig")));
        _client = new KubeClient(config, TestClients.FastRetries);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static V1Pod Pod(string name, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };


    [Fact]
    public async Task CrudWithOptimisticConcurrencyOverHttpsAndToken()
    {
        var created = await _client.CreateAsync(Pod("web-0"));
        Assert.False(string.IsNullOrEmpty(created.Metadata!.Uid));

        var fresh = await _client.GetAsync<V1Pod>("default", "web-0");
        fresh.Metadata!.Labels = new() { ["app"] = "web" };
        var replaced = await _client.ReplaceAsync(fresh);
        Assert.NotEqual(created.Metadata.ResourceVersion, replaced.Metadata!.ResourceVersion);

        // The first read is stale now: the server must refuse it, and the client must not retry.
        created.Metadata.Labels = new() { ["app"] = "stale" };
        await Assert.ThrowsAsync<KubeConflictException>(() => _client.ReplaceAsync(created));
        var duplicate = await Assert.ThrowsAsync<KubeConflictException>(() => _client.CreateAsync(Pod("web-0")));
        Assert.True(duplicate.AlreadyExists);

        await Assert.ThrowsAsync<KubeConflictException>(() => _client.DeleteAsync<V1Pod>("default", "web-0", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "not-the-uid" } }));
        await _client.DeleteAsync<V1Pod>("default", "web-0", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = created.Metadata.Uid }, PropagationPolicy = PropagationPolicy.Background });
        await Assert.ThrowsAsync<KubeNotFoundException>(() => _client.GetAsync<V1Pod>("default", "web-0"));
    }

    [Fact]
    public async Task MergePatchJsonPatchAndStatusSubresource()
    {
        var pod = Pod("p1");
        pod.Metadata!.Annotations = new() { ["drop-me"] = "x" };
        await _client.CreateAsync(pod);
        var merged = await _client.PatchAsync<V1Pod>("default", "p1", KubePatch.Merge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ovn.kubernetes.io/allocated"] = "true", ["drop-me"] = null } },
        }));
        Assert.Equal("true", merged.Metadata!.Annotations!["ovn.kubernetes.io/allocated"]);
        Assert.False(merged.Metadata.Annotations.ContainsKey("drop-me"));

        var patched = await _client.PatchAsync<V1Pod>("default", "p1", KubePatch.Json(
            JsonPatchOperation.Test(JsonPointer.Build("metadata", "annotations", "ovn.kubernetes.io/allocated"), "true"),
            JsonPatchOperation.Add(JsonPointer.Build("metadata", "annotations", "ovn.kubernetes.io/routed"), "true")));
        Assert.Equal("true", patched.Metadata!.Annotations!["ovn.kubernetes.io/routed"]);

        var withStatus = await _client.PatchStatusAsync<V1Pod>("default", "p1", KubePatch.Merge("""{"status":{"phase":"Running","podIP":"10.16.0.7"},"spec":{"nodeName":"ignored"}}"""));
        Assert.Equal("10.16.0.7", withStatus.Status!.PodIP);
        Assert.Null(withStatus.Spec!.NodeName); // a status write changes nothing but status
    }

    [Fact]
    public async Task ListAllPagesThroughTheServer()
    {
        for (var i = 0; i < 7; i++)
        {
            await _client.CreateAsync(Pod($"p{i}"));
        }

        _server.Controls.ResetCounters();
        var names = new List<string>();
        await foreach (var pod in _client.ListAllAsync<V1Pod>("default", new ListOptions { Limit = 3 }))
        {
            names.Add(pod.Metadata!.Name!);
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"p{i}").Order(), names.Order());
        Assert.Equal(3, _server.Controls.TotalRequests);
    }

    [Fact]
    public async Task CustomResourcesRoundTripAFullVirtualMachine()
    {
        Assert.False(await _client.IsServedAsync(KubeResources.VirtualMachines));
        Assert.True(await _client.IsServedAsync(KubeResources.Pods));
        await _client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("kubevirt.io", "virtualmachines", "VirtualMachine", "Namespaced"));
        Assert.True(await _client.IsServedAsync(KubeResources.VirtualMachines));
        await _client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("kubeovn.io", "subnets", "Subnet", "Cluster"));
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "virtualmachine-full.json")))!.AsObject();
        fixture["metadata"] = new JsonObject { ["name"] = "db-0", ["namespace"] = "default" };
        fixture.Remove("status");
        var vm = fixture.Deserialize<V1VirtualMachine>(KubeJson.Options)!;

        await _client.CreateAsync(vm);
        await _client.PatchAsync<V1VirtualMachine>("default", "db-0", KubePatch.Merge("""{"spec":{"template":{"metadata":{"annotations":{"ovn.kubernetes.io/ip_address":"10.16.0.60"}}}}}"""));
        var stored = await _client.GetAsync<V1VirtualMachine>("default", "db-0");

        Assert.Equal("10.16.0.60", stored.Spec!.Template!.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"]);
        var spec = JsonSerializer.SerializeToNode(stored, KubeJson.Options)!["spec"]!;
        Assert.Equal("20Gi", (string?)spec["dataVolumeTemplates"]![0]!["spec"]!["storage"]!["resources"]!["requests"]!["storage"]);
        Assert.Equal(2, spec["template"]!["spec"]!["volumes"]!.AsArray().Count);
        Assert.Equal("host-passthrough", (string?)spec["template"]!["spec"]!["domain"]!["cpu"]!["model"]);

        var subnet = await _client.CreateAsync(new V1Subnet { Metadata = new V1ObjectMeta { Name = "attach" }, Spec = new V1SubnetSpec { CidrBlock = "172.30.0.0/24", Provider = "attachnet.default.ovn" } });
        subnet.Status = new V1SubnetStatus { V4availableIPs = 253, Conditions = [new V1KubeOvnCondition { Type = "Ready", Status = "True", Reason = "SetPrivateLogicalSwitchSuccess" }] };
        var updated = await _client.ReplaceStatusAsync(subnet);
        Assert.Equal(253m, updated.Status!.V4availableIPs);
        Assert.Equal("172.30.0.0/24", updated.Spec!.CidrBlock);
    }

    [Fact]
    public async Task WatchSeesChangesAndBookmarks()
    {
        var list = await _client.ListAsync<V1Pod>("default");
        await _client.CreateAsync(Pod("w1"));
        await _client.PatchAsync<V1Pod>("default", "w1", KubePatch.Merge("""{"metadata":{"labels":{"x":"y"}}}"""));
        await _client.DeleteAsync<V1Pod>("default", "w1");

        // Watching from the list's version replays the three changes, then idles (bookmarks) until the timeout.
        var events = new List<WatchEvent<V1Pod>>();
        await foreach (var e in _client.WatchAsync<V1Pod>("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion, TimeoutSeconds = 2 }))
        {
            events.Add(e);
        }

        var changes = events.Where(e => e.Type != WatchEventType.Bookmark).ToList();
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], changes.Select(e => e.Type));
        Assert.All(changes, e => Assert.Equal("w1", e.Object.Metadata!.Name));
        Assert.Contains(events, e => e.Type == WatchEventType.Bookmark && !string.IsNullOrEmpty(e.Object.Metadata!.ResourceVersion));
    }

    [Fact]
    public async Task WatchFromACompactedVersionRaisesGone()
    {
        var start = (await _client.ListAsync<V1Pod>("default")).Metadata.ResourceVersion;
        for (var i = 0; i < 30; i++)
        {
            await _client.CreateAsync(Pod($"churn-{i}"));
        }

        var e = await Assert.ThrowsAsync<KubeGoneException>(async () =>
        {
            await foreach (var _ in _client.WatchAsync<V1Pod>("default", new WatchOptions { ResourceVersion = start, TimeoutSeconds = 2 }))
            {
            }
        });

        Assert.Equal(410, e.Status?.Code ?? (int)e.StatusCode);
    }

    [Fact]
    public async Task ThrottledRequestIsRetriedAfterTheServersDelay()
    {
        _server.Controls.ThrottleNextRequests(1, retryAfterSeconds: 1);

        var watch = Stopwatch.StartNew();
        await _client.ListAsync<V1Namespace>(null);

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ServerErrorOnCreateIsNotRetried()
    {
        _server.Controls.FailNextRequests(1, 500, retryAfterSeconds: 0, match: r => r.Verb == "create");
        _server.Controls.ResetCounters();

        await Assert.ThrowsAsync<KubeServerErrorException>(() => _client.CreateAsync(Pod("once")));

        Assert.Equal(1, _server.Controls.TotalRequests);
    }

    [Fact]
    public async Task WrongTokenIsUnauthorized()
    {
        var config = new KubeConfig(_server.BaseAddress)
        {
            CertificateAuthorities = [_server.Certificate!],
            TokenSource = new StaticTokenSource("wrong"),
        };
        using var client = new KubeClient(config, TestClients.FastRetries);

        await Assert.ThrowsAsync<KubeUnauthorizedException>(() => client.ListAsync<V1Namespace>(null));
    }
}
