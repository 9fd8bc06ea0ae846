using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Kube;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>The informer against the in-process API server: watch drops, 410 re-lists and server restarts.</summary>
public sealed class KubeInformerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _cts = new();
    private ApiServerHarness _api = null!;
    private SharedInformer<V1Pod> _informer = null!;
    private RecordingHandler<V1Pod> _handler = null!;
    private Task _run = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _api = await ApiServerHarness.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            await _api.CreatePodAsync("default", $"pod-{i}", node: $"node-{i % 3}");
        }

        _informer = KubeInformers.Create(_api.Client, KubeResources.Pods, options: new SharedInformerOptions<V1Pod>
        {
            BackoffInitial = TimeSpan.FromMilliseconds(10),
            BackoffMax = TimeSpan.FromMilliseconds(100),
            MinWatchDuration = TimeSpan.Zero,

            // Watch failures must not trigger a re-list here: the 410 path is what is under test.
            WatchFailuresBeforeRelist = int.MaxValue,
            Transform = KubeObjectTrimmer.TrimPod,
        });
        _informer.Indexer.AddIndexer(IndexFunctions.NodeName, IndexFunctions.ByNodeName<V1Pod>(p => p.Spec?.NodeName));
        _handler = new RecordingHandler<V1Pod>(KubeObjectMeta<V1Pod>.Instance);
        _informer.AddEventHandler(_handler);
        _run = Task.Run(() => _informer.RunAsync(_cts.Token));
        await _informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
    }

    [Fact]
    public async Task ForcedWatchDropsLoseAndDuplicateNothing()
    {
        for (var round = 0; round < 5; round++)
        {
            await WaitForWatchAsync();
            await _api.AnnotatePodAsync("default", $"pod-{round}", $"r{round}");
            _api.Server.Store.DropAllWatches();
            await _api.CreatePodAsync("default", $"new-{round}");
            await _api.Client.DeleteAsync<V1Pod>("default", $"pod-{round + 5}");
        }

        await AssertConvergedAsync();
        Assert.Equal(1, _informer.ListCount);
        Assert.Equal(0, _handler.Tombstones);
        Assert.Equal(5, _handler.Deletes);
    }

    [Fact]
    public async Task CompactedHistoryForcesARelistThatReportsOnlyDifferences()
    {
        await WaitForWatchAsync();
        _api.FailWatches("pods");
        _api.Server.Store.DropAllWatches();
        await _api.AnnotatePodAsync("default", "pod-1", "changed");
        await _api.Client.DeleteAsync<V1Pod>("default", "pod-2");
        await _api.CreatePodAsync("default", "added");
        _api.Server.Store.CompactHistory();
        var before = _handler.Log.Count;
        _api.Server.Controls.ClearFaults();

        await AssertConvergedAsync();
        Assert.Equal(2, _informer.ListCount);
        Assert.Equal(
            ["add default/added", "delete default/pod-2 tombstone", "update default/pod-1"],
            _handler.Log.Skip(before).Select(l => l.Split('@')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ServerRestartIsSurvivedByResumingTheWatch()
    {
        await WaitForWatchAsync();
        await _api.Server.StopAsync();
        await Task.Delay(100);
        await _api.Server.StartAsync();
        await _api.AnnotatePodAsync("default", "pod-3", "after-restart");
        await _api.CreatePodAsync("default", "after-restart");
        await AssertConvergedAsync();
        Assert.Equal(1, _informer.ListCount);
    }

    [Fact]
    public async Task CacheIsTrimmedAndIndexedByNode()
    {
        var cached = _informer.Indexer.Get("default", "pod-0")!;
        Assert.Null(cached.Spec!.Containers);
        Assert.Equal("node-0", cached.Spec.NodeName);
        Assert.Equal(4, _informer.Indexer.ByIndex(IndexFunctions.NodeName, "node-0").Count);
        Assert.Equal(10, _informer.Indexer.ByIndex(IndexFunctions.Namespace, "default").Count);
    }

    public async Task DisposeAsync()
    {
        await _cts.CancelAsync();
        await _run.WaitAsync(Timeout);
        _cts.Dispose();
        await _api.DisposeAsync();
    }

    private async Task WaitForWatchAsync()
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (_api.Server.Store.OpenWatchCount == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the informer never opened a watch");
            await Task.Delay(5);
        }
    }

    private async Task AssertConvergedAsync()
    {
        var expected = await _api.PodVersionsAsync();
        await _handler.WaitUntilAsync(h => h.VersionsByKey().Count == expected.Count && expected.All(kv => h.VersionsByKey().GetValueOrDefault(kv.Key) == kv.Value), Timeout);
        Assert.Empty(_handler.Violations);
        Assert.Equal(
            expected.OrderBy(kv => kv.Key, StringComparer.Ordinal),
            _informer.Indexer.List().Select(p => KeyValuePair.Create($"{p.Metadata!.Namespace}/{p.Metadata.Name}", p.Metadata.ResourceVersion)).OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
