using VmNet.Controller.Runtime.Informers;

namespace VmNet.Controller.Tests.Runtime;

public sealed class SharedInformerTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly CancellationTokenSource _cts = new();
    private readonly FakeListWatcher _server = new();
    private Task? _run;

    [Fact]
    public async Task InitialListArrivesAsInitialAddsThenWatchEventsInOrder()
    {
        _server.Upsert("ns", "a", "1");
        _server.Upsert("ns", "b", "1");
        var informer = NewInformer();
        var handler = new RecordingHandler<FakeObject>(FakeObject.Meta);
        var registration = informer.AddEventHandler(handler);
        Start(informer);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        await registration.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(2, handler.Log.Count(l => l.EndsWith("initial", StringComparison.Ordinal)));

        await WaitForWatchAsync();
        _server.Upsert("ns", "a", "2");
        _server.Delete("ns", "b");
        _server.Upsert("ns", "c", "1");
        await handler.WaitUntilAsync(h => h.Log.Count == 5);
        Assert.Equal(["update ns/a@3", "delete ns/b", "add ns/c@5"], handler.Log.Skip(2));
        Assert.Empty(handler.Violations);
        AssertCacheMatchesServer(informer);
    }

    [Fact]
    public async Task DroppedWatchResumesFromLastVersionWithoutLossOrDuplicates()
    {
        _server.Upsert("ns", "a", "1");
        var informer = NewInformer();
        var handler = new RecordingHandler<FakeObject>(FakeObject.Meta);
        informer.AddEventHandler(handler);
        Start(informer);
        await WaitForWatchAsync();
        for (var round = 0; round < 5; round++)
        {
            _server.Upsert("ns", "a", $"r{round}");
            _server.DropWatches();
            _server.Upsert("ns", $"n{round}", "x");
            await WaitForWatchAsync();
        }

        await handler.WaitUntilAsync(h => h.VersionsByKey().Count == 6 && h.VersionsByKey()["ns/n4"] == _server.Snapshot()["ns/n4"].ResourceVersion);
        Assert.Empty(handler.Violations);
        Assert.Equal(1, _server.ListCalls);
        Assert.Equal(6, _server.WatchCalls);
        AssertCacheMatchesServer(informer);
        Assert.Equal(_server.Snapshot().ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ResourceVersion), handler.VersionsByKey());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GoneRelistsAndReportsOnlyTheDifferences(bool expireWithErrorEvent)
    {
        _server.ExpireWithErrorEvent = expireWithErrorEvent;
        _server.Upsert("ns", "same", "1");
        _server.Upsert("ns", "changed", "1");
        _server.Upsert("ns", "deleted", "1");
        var informer = NewInformer();
        var handler = new RecordingHandler<FakeObject>(FakeObject.Meta);
        informer.AddEventHandler(handler);
        Start(informer);
        await handler.WaitUntilAsync(h => h.Adds == 3);
        await WaitForWatchAsync();

        // While the watch is down, history is compacted past the informer's version: it must re-list.
        _server.PauseWatches();
        _server.DropWatches();
        _server.Upsert("ns", "changed", "2");
        _server.Delete("ns", "deleted");
        _server.Upsert("ns", "new", "1");
        _server.Compact();
        _server.ResumeWatches();

        await handler.WaitUntilAsync(h => h.Log.Count == 6);
        await WaitForWatchAsync();
        Assert.Equal(2, _server.ListCalls);
        Assert.Equal(
            ["add ns/new@6", "delete ns/deleted tombstone", "update ns/changed@4"],
            handler.Log.Skip(3).Order(StringComparer.Ordinal));
        Assert.Equal(1, handler.Tombstones);
        Assert.Empty(handler.Violations);
        AssertCacheMatchesServer(informer);
    }

    [Fact]
    public async Task AnObjectRecreatedUnderTheSameNameDuringAGapIsReportedAsDeleteThenAdd()
    {
        var original = _server.Upsert("ns", "vm-0", "1");
        var informer = NewInformer();
        var handler = new RecordingHandler<FakeObject>(FakeObject.Meta);
        informer.AddEventHandler(handler);
        Start(informer);
        await handler.WaitUntilAsync(h => h.Adds == 1);
        await WaitForWatchAsync();

        _server.PauseWatches();
        _server.DropWatches();
        _server.Delete("ns", "vm-0");
        var recreated = _server.Upsert("ns", "vm-0", "2");
        _server.Compact();
        _server.ResumeWatches();

        await handler.WaitUntilAsync(h => h.Log.Count == 3);
        Assert.NotEqual(original.Uid, recreated.Uid);
        Assert.Equal(["delete ns/vm-0 tombstone", $"add ns/vm-0@{recreated.ResourceVersion}"], handler.Log.Skip(1));
        Assert.Equal(recreated.Uid, informer.Indexer.Get("ns/vm-0")!.Uid);
        Assert.Empty(handler.Violations);
    }

    [Fact]
    public async Task BookmarkMovesTheResumeVersion()
    {
        var informer = NewInformer();
        Start(informer);
        await WaitForWatchAsync();
        var version = _server.Bookmark();
        await WaitForAsync(() => informer.LastSyncResourceVersion == version);
        _server.Compact();
        _server.DropWatches();

        // Resuming from the bookmark's version is still allowed after compaction: no re-list.
        await WaitForWatchAsync();
        Assert.Equal(1, _server.ListCalls);
    }

    [Fact]
    public async Task ListFailuresAreRetriedWithBackoff()
    {
        _server.FailLists = 2;
        _server.Upsert("ns", "a", "1");
        var informer = NewInformer(o => o.BackoffInitial = TimeSpan.FromMilliseconds(10));
        Start(informer);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(3, _server.ListCalls);
        Assert.NotNull(informer.Indexer.Get("ns", "a"));
    }

    [Fact]
    public async Task LateHandlerGetsTheCacheReplayedAsInitialAdds()
    {
        _server.Upsert("ns", "a", "1");
        _server.Upsert("ns", "b", "1");
        var informer = NewInformer();
        Start(informer);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        var late = new RecordingHandler<FakeObject>(FakeObject.Meta);
        var registration = informer.AddEventHandler(late);
        await registration.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(2, late.Adds);
        Assert.All(late.Log, l => Assert.EndsWith("initial", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThrowingHandlerDoesNotStopOthersOrItself()
    {
        var informer = NewInformer();
        var calls = 0;
        informer.AddEventHandler(new ResourceEventHandler<FakeObject> { Add = (_, _) => { Interlocked.Increment(ref calls); throw new InvalidOperationException("handler bug"); } });
        var healthy = new RecordingHandler<FakeObject>(FakeObject.Meta);
        informer.AddEventHandler(healthy);
        Start(informer);
        await WaitForWatchAsync();
        _server.Upsert("ns", "a", "1");
        _server.Upsert("ns", "b", "1");
        await healthy.WaitUntilAsync(h => h.Adds == 2);
        await WaitForAsync(() => Volatile.Read(ref calls) == 2);
    }

    [Fact]
    public async Task TransformIsAppliedBeforeCaching()
    {
        _server.Upsert("ns", "a", new string('x', 1000));
        var informer = NewInformer(o => o.Transform = obj => obj with { Data = string.Empty });
        Start(informer);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        await WaitForWatchAsync();
        _server.Upsert("ns", "b", "payload");
        await WaitForAsync(() => informer.Indexer.Count == 2);
        Assert.All(informer.Indexer.List(), o => Assert.Equal(string.Empty, o.Data));
    }

    [Fact]
    public async Task IndexersFindObjectsByNamespaceNodeOwnerAndCustomFunction()
    {
        _server.Upsert("ns1", "a", "1", node: "node-1", owner: "owner-x");
        _server.Upsert("ns1", "b", "1", node: "node-2");
        _server.Upsert("ns2", "c", "big", node: "node-1", owner: "owner-x");
        var informer = NewInformer();
        informer.Indexer.AddIndexer(IndexFunctions.Namespace, IndexFunctions.ByNamespace(FakeObject.Meta));
        informer.Indexer.AddIndexer(IndexFunctions.NodeName, IndexFunctions.ByNodeName<FakeObject>(o => o.NodeName));
        informer.Indexer.AddIndexer(IndexFunctions.OwnerUid, IndexFunctions.ByOwnerUid(FakeObject.Meta));
        Start(informer);
        await informer.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        informer.Indexer.AddIndexer("data", o => [o.Data]);

        Assert.Equal(["ns1/a", "ns1/b"], informer.Indexer.IndexKeys(IndexFunctions.Namespace, "ns1").Order(StringComparer.Ordinal));
        Assert.Equal(["ns1/a", "ns2/c"], informer.Indexer.IndexKeys(IndexFunctions.NodeName, "node-1").Order(StringComparer.Ordinal));
        Assert.Equal(2, informer.Indexer.ByIndex(IndexFunctions.OwnerUid, "owner-x").Count);
        Assert.Equal("c", Assert.Single(informer.Indexer.ByIndex("data", "big")).Name);

        await WaitForWatchAsync();
        _server.Upsert("ns1", "a", "1", node: "node-2");
        _server.Delete("ns2", "c");
        await WaitForAsync(() => informer.Indexer.IndexKeys(IndexFunctions.NodeName, "node-2").Count == 2 && informer.Indexer.Count == 2);
        Assert.Empty(informer.Indexer.IndexKeys(IndexFunctions.NodeName, "node-1"));
        Assert.Empty(informer.Indexer.ByIndex(IndexFunctions.OwnerUid, "owner-x"));
        Assert.Equal(["node-2"], informer.Indexer.ListIndexValues(IndexFunctions.NodeName));
        Assert.Throws<KeyNotFoundException>(() => informer.Indexer.ByIndex("missing", "x"));
    }

    [Fact]
    public async Task ResyncRepeatsEveryCachedObjectAsAnUpdate()
    {
        var clock = new ManualTimeProvider();
        _server.Upsert("ns", "a", "1");
        _server.Upsert("ns", "b", "1");
        var informer = NewInformer(o =>
        {
            o.ResyncPeriod = TimeSpan.FromMinutes(1);
            o.TimeProvider = clock;
        });
        var handler = new RecordingHandler<FakeObject>(FakeObject.Meta);
        informer.AddEventHandler(handler);
        Start(informer);
        await handler.WaitUntilAsync(h => h.Adds == 2);
        await Task.Delay(50);
        Assert.Equal(0, handler.Resyncs);
        clock.Advance(TimeSpan.FromMinutes(1));
        await handler.WaitUntilAsync(h => h.Resyncs == 2);
        clock.Advance(TimeSpan.FromMinutes(1));
        await handler.WaitUntilAsync(h => h.Resyncs == 4);
        Assert.Empty(handler.Violations);
    }

    [Fact]
    public async Task FactorySharesOneInformerPerResource()
    {
        await using var factory = new SharedInformerFactory();
        var created = 0;
        SharedInformer<FakeObject> Create()
        {
            created++;
            return new SharedInformer<FakeObject>(_server, FakeObject.Meta);
        }

        var first = factory.GetOrAdd("fakes", Create);
        var second = factory.GetOrAdd("fakes", Create);
        var other = factory.GetOrAdd("fakes/ns2", Create);
        Assert.Same(first, second);
        Assert.NotSame(first, other);
        Assert.Equal(2, created);
        factory.Start(_cts.Token);
        factory.Start(_cts.Token);
        await factory.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(2, _server.ListCalls);
        Assert.True(first.HasSynced && other.HasSynced);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(Timeout);
        }

        _cts.Dispose();
    }

    private SharedInformer<FakeObject> NewInformer(Action<OptionsBuilder>? configure = null)
    {
        var builder = new OptionsBuilder();
        configure?.Invoke(builder);
        return new SharedInformer<FakeObject>(_server, FakeObject.Meta, new SharedInformerOptions<FakeObject>
        {
            ResyncPeriod = builder.ResyncPeriod,
            Transform = builder.Transform,
            BackoffInitial = builder.BackoffInitial,
            BackoffMax = TimeSpan.FromMilliseconds(200),
            MinWatchDuration = TimeSpan.Zero,
            TimeProvider = builder.TimeProvider,
        });
    }

    private void Start(SharedInformer<FakeObject> informer) => _run = Task.Run(() => informer.RunAsync(_cts.Token));

    private async Task WaitForWatchAsync() => await WaitForAsync(() => _server.OpenWatches == 1);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(5);
        }
    }

    private void AssertCacheMatchesServer(SharedInformer<FakeObject> informer) =>
        Assert.Equal(
            _server.Snapshot().Values.Select(o => (o.Key, o.ResourceVersion)).Order(),
            informer.Indexer.List().Select(o => (o.Key, o.ResourceVersion)).Order());

    private sealed class OptionsBuilder
    {
        public TimeSpan ResyncPeriod { get; set; }

        public Func<FakeObject, FakeObject>? Transform { get; set; }

        public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromMilliseconds(10);

        public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
    }
}
