using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Controller.Nodes;
using VmNet.Controller.Pods;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.Bench.Nodes;

/// <summary>
/// The node controller against the in-process API server and a real OVN_Northbound ovsdb-server: 300 Nodes
/// registered at once, timed until every one carries its join annotations and its join port and 30000
/// reroute policy are in NB. Peer, in the same run: the same work done naively, one ovn-nbctl process
/// (lsp-add + lr-policy-add) and one API patch per node.
/// </summary>
public sealed class NodeJoinBenchmark : IBenchmark
{
    private const int Nodes = 300;
    private const int PeerNodes = 100;

    public string Name => "nodes";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var server = new KubeApiServer(new ApiServerOptions { InitialNamespaces = ["default", "kube-system"], WatchHistorySize = 20_000 });
        await server.StartAsync(cancellationToken);
        using var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(60) });
        foreach (var crd in ControllerCrds.All)
        {
            await client.CreateAsync(crd, cancellationToken);
        }

        var northbound = new NorthboundOvsdbFixture();
        await northbound.InitializeAsync();
        try
        {
            var options = new ControllerOptions { DisableLeaderElection = true, NorthboundAddress = northbound.UnixConnection, WorkerCount = 8, GcInterval = TimeSpan.FromHours(1) };
            var host = new ControllerHost(options, client, NullLoggerFactory.Instance, modules: [new TopologyModule(), new AddressingModule(), new NodesModule()]);
            using var stop = new CancellationTokenSource();
            var run = Task.Run(() => host.RunAsync(stop.Token), CancellationToken.None);
            var context = await host.Started.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            await context.Subnets.WaitReadyAsync(options.NodeSwitch, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

            var nodeType = server.Resources.Find(string.Empty, "v1", "nodes")!;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Nodes; i++)
            {
                // As kubelet registers: the object, then its addresses through the status subresource.
                var node = Node(i);
                var status = node["status"]!.ToJsonString();
                server.Store.Create(nodeType, node, null);
                server.Store.Patch(nodeType, null, (string)node["metadata"]!["name"]!, PatchKind.Merge, $"{{\"status\":{status}}}", statusOnly: true);
            }

            await WaitJoinedAsync(context, Nodes, cancellationToken);
            var ours = Nodes / clock.Elapsed.TotalSeconds;
            BenchReport.Figure("nodes_joined_per_s", ours, "nodes/s");
            BenchReport.Figure("nodes_api_requests_per_node", (double)server.Controls.TotalRequests / Nodes, "requests");

            var peer = await NaivePerSecondAsync(client, server, nodeType, northbound.UnixConnection, context.Ipam, cancellationToken);
            BenchReport.Figure("nodes_peer_naive_joined_per_s", peer, "nodes/s");
            BenchReport.Figure("nodes_speedup_vs_naive", ours / peer, "x");
            await stop.CancelAsync();
            await run;
        }
        finally
        {
            await northbound.DisposeAsync();
        }
    }

    private static async Task<double> NaivePerSecondAsync(KubeClient client, KubeApiServer server, ResourceType nodeType, string nbDb, IpamRegistry ipam, CancellationToken cancellationToken)
    {
        // Nodes without InternalIP, so the running controller leaves them to the naive peer.
        var names = Enumerable.Range(0, PeerNodes).Select(i => string.Create(CultureInfo.InvariantCulture, $"peer-{i:d4}")).ToList();
        foreach (var name in names)
        {
            server.Store.Create(nodeType, (JsonObject)JsonSerializer.SerializeToNode(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = name } }, KubeJson.Options)!, null);
        }

        await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + nbDb, "ls-add", "peer-join", "--", "lr-add", "peer-router"], cancellationToken: cancellationToken);
        ipam.AddOrUpdateSubnet(new SubnetSpec("peer-join", "100.80.0.0/16"));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var allocation = ipam.Allocate("peer-join", new AllocationRequest("node-" + name, "/" + name));
            var port = allocation.NicKey;
            await CommandRunner.RunCheckedAsync(
                "ovn-nbctl",
                ["--db=" + nbDb, "lsp-add", "peer-join", port, "--", "lsp-set-addresses", port, $"{allocation.Mac} {allocation.IpAddressAnnotation}",
                    "--", "lr-policy-add", "peer-router", "30000", string.Create(CultureInfo.InvariantCulture, $"ip4.dst == 172.30.{i / 250}.{i % 250 + 1}"), "reroute", allocation.IpAddressAnnotation],
                cancellationToken: cancellationToken);
            await client.PatchAsync<V1Node>(null, name, KubePatch.Merge(new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ovn.kubernetes.io/ip_address"] = allocation.IpAddressAnnotation, ["ovn.kubernetes.io/allocated"] = "true" } },
            }), cancellationToken);
        }

        return names.Count / clock.Elapsed.TotalSeconds;
    }

    private static JsonObject Node(int i) => (JsonObject)JsonSerializer.SerializeToNode(new V1Node
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = string.Create(CultureInfo.InvariantCulture, $"node-{i:d4}") },
        Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = string.Create(CultureInfo.InvariantCulture, $"172.20.{i / 250}.{i % 250 + 1}") }] },
    }, KubeJson.Options)!;

    /// <summary>Waits until <paramref name="count"/> nodes are annotated and as many join ports and 30000 policies are in NB.</summary>
    private static async Task WaitJoinedAsync(ControllerContext context, int count, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var joined = context.NodeInformer.Indexer.List().Count(n => n.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true");
            var ports = context.Northbound.Cache.FindOwnedByKind(LogicalSwitchPort.Table, OwnerKinds.Node).Count;
            var policies = context.Northbound.Cache.FindOwnedByKind(LogicalRouterPolicy.Table, OwnerKinds.Node).Count;
            if (joined >= count && ports >= count && policies >= count)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                var router = context.Northbound.Cache.FindByName(LogicalRouter.Table, context.Options.ClusterRouter).Count;
                throw new TimeoutException($"only {joined} of {count} nodes joined, {ports} join ports, {policies} policies after 2 minutes (informer {context.NodeInformer.Indexer.List().Count} nodes, router rows {router}, join ready {context.Subnets.IsReady(context.Options.NodeSwitch)}, first node addresses {context.NodeInformer.Indexer.List().FirstOrDefault()?.Status?.Addresses?.Count})");
            }

            await Task.Delay(5, cancellationToken);
        }
    }
}
