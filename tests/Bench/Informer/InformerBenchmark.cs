using System.Globalization;
using System.Diagnostics;
using System.Text.Json;
using VmNet.ApiServer;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Kube;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;

namespace VmNet.Bench.Informer;

/// <summary>
/// 10,000 realistic pods listed through the shared informer into its indexed cache, then 10,000 watch
/// updates, against the in-process API server. The peer figure is the same cache without trimming
/// (what a cache of whole objects, as client-go keeps by default, costs here).
/// </summary>
public sealed class InformerBenchmark : IBenchmark
{
    private const int PodCount = 10_000;
    private const string Namespace = "bench";

    public string Name => "informer";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var server = new KubeApiServer(new ApiServerOptions { InitialNamespaces = ["default", Namespace] });
        await server.StartAsync(cancellationToken);
        var pods = server.Resources.Find(string.Empty, "v1", "pods") ?? throw new InvalidOperationException("the API server serves no pods");
        for (var i = 0; i < PodCount; i++)
        {
            server.Store.Create(pods, BenchPods.Create(Namespace, i), Namespace);
        }

        var sample = server.Store.List(pods, Namespace)[0];
        BenchReport.Figure("informer_pod_json_bytes", JsonSerializer.SerializeToUtf8Bytes(sample).Length, "B");

        using var client = new KubeClient(new KubeConfig(server.BaseAddress));
        var untrimmed = await MeasureListAsync(client, transform: null, cancellationToken);
        BenchReport.Figure("informer_bytes_per_cached_pod_untrimmed", untrimmed.BytesPerPod, "B");
        untrimmed = null;

        var trimmed = await MeasureListAsync(client, KubeObjectTrimmer.TrimPod, cancellationToken, keepRunning: true);
        BenchReport.Figure("informer_list_pods_per_s", PodCount / trimmed.ListTime.TotalSeconds, "pods/s");
        BenchReport.Figure("informer_bytes_per_cached_pod", trimmed.BytesPerPod, "B");

        var informer = trimmed.Informer!;
        await using (trimmed.Running!)
        {
            var counter = new UpdateCounter();
            informer.AddEventHandler(new ResourceEventHandler<V1Pod> { Update = (_, _) => counter.Increment() });
            var names = server.Store.List(pods, Namespace).Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();

            // Live: each update is written and streamed as it happens; the server's writes bound the rate.
            var clock = Stopwatch.StartNew();
            WriteRound(server, pods, names, round: 1);
            await counter.WaitForAsync(PodCount, cancellationToken);
            BenchReport.Figure("informer_watch_live_events_per_s", PodCount / clock.Elapsed.TotalSeconds, "events/s");

            // Backlog: updates written while the watch is refused, then replayed from the informer's resource
            // version at full speed; the informer's decoding and caching bound the rate.
            server.Controls.FailNextRequests(1_000_000, 500, match: r => r.Verb == "watch");
            server.Store.DropAllWatches();
            var backlogFrom = informer.LastSyncResourceVersion!;
            WriteRound(server, pods, names, round: 2);
            clock.Restart();
            server.Controls.ClearFaults();
            await counter.WaitForAsync(2 * PodCount, cancellationToken);
            BenchReport.Figure("informer_watch_events_per_s", PodCount / clock.Elapsed.TotalSeconds, "events/s");

            // Peer: the same backlog through the bare client watch (decode only, no cache, no handlers).
            clock.Restart();
            var raw = 0;
            using var stopRaw = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await foreach (var evt in client.WatchAsync<V1Pod>(Namespace, new WatchOptions { ResourceVersion = backlogFrom }, stopRaw.Token))
            {
                if (evt.Type == VmNet.Kube.WatchEventType.Modified && ++raw == PodCount)
                {
                    break;
                }
            }

            BenchReport.Figure("informer_raw_client_watch_events_per_s", PodCount / clock.Elapsed.TotalSeconds, "events/s");
            if (informer.ListCount != 1)
            {
                throw new InvalidOperationException($"the informer re-listed ({informer.ListCount} lists): the watch figure would not be a watch figure");
            }
        }
    }

    private static void WriteRound(KubeApiServer server, ResourceType pods, List<string> names, int round)
    {
        var patch = "{\"metadata\":{\"annotations\":{\"bench/round\":\"" + round.ToString(CultureInfo.InvariantCulture) + "\"}}}";
        foreach (var name in names)
        {
            server.Store.Patch(pods, Namespace, name, PatchKind.Merge, patch);
        }
    }

    private static async Task<ListMeasurement> MeasureListAsync(KubeClient client, Func<V1Pod, V1Pod>? transform, CancellationToken cancellationToken, bool keepRunning = false)
    {
        var before = await SettledMemoryAsync(cancellationToken);
        var informer = KubeInformers.Create(client, KubeResources.Pods, options: new SharedInformerOptions<V1Pod>
        {
            Transform = transform,
            Name = "pods",
            BackoffInitial = TimeSpan.FromMilliseconds(10),
            BackoffMax = TimeSpan.FromMilliseconds(50),
            WatchFailuresBeforeRelist = int.MaxValue,
        });
        informer.Indexer.AddIndexer(IndexFunctions.NodeName, IndexFunctions.ByNodeName<V1Pod>(p => p.Spec?.NodeName));
        var running = new RunningInformer(informer, cancellationToken);
        var clock = Stopwatch.StartNew();
        await informer.WaitForCacheSyncAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var listTime = clock.Elapsed;
        if (informer.Indexer.Count != PodCount)
        {
            throw new InvalidOperationException($"informer cached {informer.Indexer.Count} pods, expected {PodCount}");
        }

        var after = await SettledMemoryAsync(cancellationToken);
        var bytesPerPod = (after - before) / (double)PodCount;
        if (!keepRunning)
        {
            // Nothing of this informer may stay reachable, or it would distort the next measurement.
            await running.DisposeAsync();
            return new ListMeasurement(null, null, listTime, bytesPerPod);
        }

        return new ListMeasurement(informer, running, listTime, bytesPerPod);
    }

    /// <summary>
    /// Live heap once it stops shrinking: a stopped watch releases its connection (and what it references)
    /// asynchronously, so one forced collection right away can still count the previous informer.
    /// </summary>
    private static async Task<long> SettledMemoryAsync(CancellationToken cancellationToken)
    {
        var previous = GC.GetTotalMemory(forceFullCollection: true);
        var stableReadings = 0;
        for (var i = 0; i < 30 && stableReadings < 3; i++)
        {
            await Task.Delay(200, cancellationToken);
            var current = GC.GetTotalMemory(forceFullCollection: true);
            stableReadings = Math.Abs(current - previous) < previous / 200 ? stableReadings + 1 : 0;
            previous = current;
        }

        return previous;
    }

    private sealed record ListMeasurement(SharedInformer<V1Pod>? Informer, RunningInformer? Running, TimeSpan ListTime, double BytesPerPod);

    private sealed class UpdateCounter
    {
        private int _count;

        public void Increment() => Interlocked.Increment(ref _count);

        public async Task WaitForAsync(int target, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (Volatile.Read(ref _count) < target)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"only {Volatile.Read(ref _count)} of {target} updates arrived");
                }

                await Task.Delay(1, cancellationToken);
            }
        }
    }

    private sealed class RunningInformer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task _run;

        public RunningInformer(SharedInformer<V1Pod> informer, CancellationToken cancellationToken)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _run = Task.Run(() => informer.RunAsync(_stop.Token), CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _run;
            _stop.Dispose();
        }
    }
}
