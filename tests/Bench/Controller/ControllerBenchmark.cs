using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Controller.Ips;
using VmNet.Controller.Pods;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.Bench.Controller;

/// <summary>
/// The addressing controller against the in-process API server and a real OVN_Northbound ovsdb-server:
/// 2,000 objects (1,000 pods + 1,000 VM launcher pods) created at once, timed until every one is annotated
/// (allocated + routed) and its LSP is in NB; controller memory per pod at 10,000 pods; IPAM rebuild from
/// 10,000 IP CRs. Peer: the same work done naively, one API patch and one ovn-nbctl process per object.
/// </summary>
public sealed class ControllerBenchmark : IBenchmark
{
    private const string Namespace = "bench";
    private const int Pods = 1_000;
    private const int Vms = 1_000;
    private const int MemoryPods = 10_000;
    private const int PeerObjects = 200;
    private const string IpCrLabelsPod = VmNet.Addressing.IpCrLabels.PodOwner;
    private const string IpCrLabelsVm = VmNet.Addressing.IpCrLabels.VirtualMachineOwner;

    public string Name => "controller";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var server = new KubeApiServer(new ApiServerOptions { InitialNamespaces = ["default", "kube-system", Namespace], WatchHistorySize = 50_000 });
        await server.StartAsync(cancellationToken);
        using var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(60) });
        foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
        {
            await client.CreateAsync(crd, cancellationToken);
        }

        var northbound = new NorthboundOvsdbFixture();
        await northbound.InitializeAsync();
        try
        {
            await RunAgainstAsync(server, client, northbound.UnixConnection, cancellationToken);
        }
        finally
        {
            await northbound.DisposeAsync();
        }
    }

    private static async Task RunAgainstAsync(KubeApiServer server, KubeClient client, string nbDb, CancellationToken cancellationToken)
    {
        var podType = server.Resources.Find(string.Empty, "v1", "pods")!;
        var vmType = server.Resources.Find("kubevirt.io", "v1", "virtualmachines")!;
        var options = new ControllerOptions
        {
            DisableLeaderElection = true,
            NorthboundAddress = nbDb,
            WorkerCount = 16,
            GcInterval = TimeSpan.FromHours(1),
            DefaultCidr = "10.16.0.0/16",
            KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(100),
        };
        AddressingModule? module = new AddressingModule();
        var host = new ControllerHost(options, client, NullLoggerFactory.Instance, modules: [new TopologyModule(), module]);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => host.RunAsync(stop.Token), CancellationToken.None);
        var context = await host.Started.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        await context.KubeVirt.WhenAvailableAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await context.Subnets.WaitReadyAsync(options.DefaultSubnet, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var idleHeap = ManagedHeap();

        // Throughput: 2,000 objects at once.
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Vms; i++)
        {
            var vm = ObjectName("vm", i);
            server.Store.Create(vmType, BenchObjects.Vm(Namespace, vm), Namespace);
            server.Store.Create(podType, BenchObjects.Pod(Namespace, $"virt-launcher-{vm}-x", vm), Namespace);
            server.Store.Create(podType, BenchObjects.Pod(Namespace, ObjectName("pod", i)), Namespace);
        }

        await WaitAddressedAsync(context, Pods + Vms, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var objectsPerSecond = (Pods + Vms) / seconds;
        BenchReport.Figure("controller_objects_per_s", objectsPerSecond, "objects/s");
        BenchReport.Figure("controller_api_requests_per_object", (double)server.Controls.TotalRequests / (Pods + Vms), "requests");

        // Peer: the same addressing done one object at a time, one API patch + one ovn-nbctl per object.
        var peer = await NaiveObjectsPerSecondAsync(client, server, podType, nbDb, context.Ipam, cancellationToken);
        BenchReport.Figure("controller_peer_naive_objects_per_s", peer, "objects/s");
        BenchReport.Figure("controller_speedup_vs_naive", objectsPerSecond / peer, "x");

        // Memory: grow to 10,000 addressed pods, then compare the heap with and without the controller.
        for (var i = Pods + Vms + PeerObjects; i < MemoryPods + PeerObjects; i++)
        {
            server.Store.Create(podType, BenchObjects.Pod(Namespace, ObjectName("pod", i)), Namespace);
        }

        await WaitAddressedAsync(context, MemoryPods, cancellationToken);
        var withController = ManagedHeap();
        await stop.CancelAsync();
        await run;
        context = null;
        host = null;
        module = null;

        // Informer loops and watch streams wind down shortly after the host returns.
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var withoutController = ManagedHeap();
        BenchReport.Figure("controller_bytes_per_pod", Math.Max(0, withController - withoutController) / (double)MemoryPods, "B");
        BenchReport.Figure("controller_heap_growth_per_pod", Math.Max(0, withController - idleHeap) / (double)MemoryPods, "B");

        // Rebuild at start: a fresh IPAM from the 10,000 IP CRs (plus the pod pass), as a new leader does.
        var ipCount = (await client.ListAsync<V1IP>(null, cancellationToken: cancellationToken)).Items.Count;
        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var ipam = new IpamRegistry();
            ipam.AddOrUpdateSubnet(new SubnetSpec("ovn-default", "10.16.0.0/16"));
            ipam.AddOrUpdateSubnet(new SubnetSpec("join", "100.64.0.0/16"));
            clock.Restart();
            var result = await IpamRebuilder.RebuildAsync(client, ipam, keepVmIp: true, NullLogger.Instance, cancellationToken);
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
            if (result.FromIpCrs != ipCount || result.Conflicts.Count != 0)
            {
                throw new InvalidOperationException($"rebuild registered {result.FromIpCrs} of {ipCount} IP CRs with {result.Conflicts.Count} conflicts");
            }
        }

        BenchReport.Figure("controller_ipam_rebuild_ip_crs", ipCount, "IP CRs");
        BenchReport.Figure("controller_ipam_rebuild_10k_ms", best, "ms");
    }

    private static async Task<double> NaiveObjectsPerSecondAsync(KubeClient client, KubeApiServer server, ResourceType podType, string nbDb, IpamRegistry ipam, CancellationToken cancellationToken)
    {
        var names = Enumerable.Range(Pods + Vms, PeerObjects).Select(i => ObjectName("peer", i)).ToList();
        await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + nbDb, "ls-add", "peer-naive"], cancellationToken: cancellationToken);
        ipam.AddOrUpdateSubnet(new SubnetSpec("peer-naive", "10.200.0.0/16"));
        foreach (var name in names)
        {
            // Host-networked so the running controller leaves them to the naive peer.
            server.Store.Create(podType, BenchObjects.Pod("default", name, hostNetwork: true), "default");
        }

        var clock = Stopwatch.StartNew();
        foreach (var name in names)
        {
            var allocation = ipam.Allocate("peer-naive", new AllocationRequest($"{name}.default", $"default/{name}"));
            var port = allocation.NicKey;
            await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + nbDb, "lsp-add", "peer-naive", port, "--", "lsp-set-addresses", port, $"{allocation.Mac} {allocation.IpAddressAnnotation}", "--", "set", "Logical_Switch_Port", port, "external_ids:pod=default/" + name], cancellationToken: cancellationToken);
            await client.PatchAsync<V1Pod>("default", name, KubePatch.Merge(new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ovn.kubernetes.io/ip_address"] = allocation.IpAddressAnnotation, ["ovn.kubernetes.io/allocated"] = "true" } },
            }), cancellationToken);
        }

        return PeerObjects / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Waits until <paramref name="count"/> pods are annotated (allocated + routed) and as many LSPs are in NB.</summary>
    private static async Task WaitAddressedAsync(ControllerContext context, int count, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var addressed = context.PodInformer.Indexer.List().Count(p => p.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/routed") == "true");
            var ports = context.Northbound.Cache.FindOwnedByKind(LogicalSwitchPort.Table, IpCrLabelsPod).Count
                + context.Northbound.Cache.FindOwnedByKind(LogicalSwitchPort.Table, IpCrLabelsVm).Count;
            if (addressed >= count && ports >= count)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"only {addressed} of {count} pods addressed and {ports} LSPs after 5 minutes");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    private static long ManagedHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string ObjectName(string prefix, int i) => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:d5}");
}
