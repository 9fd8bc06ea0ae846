using System.Net;
using Microsoft.Extensions.Logging;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Node;

/// <summary>
/// Keeps the node's routes to the default VPC's subnets (via the join gateway through ovn0) equal to the
/// validated Subnets, as they appear, change and disappear: list, then watch, re-listing after the watch
/// expires. Every change recomputes the whole plan (<see cref="HostRoutePlan"/>) and syncs it.
/// </summary>
public sealed class SubnetRouteWatcher(IKubeClient kube, HostRouteSync sync, DaemonOptions options, ILogger logger)
{
    /// <summary>Runs until cancelled; Kubernetes and kernel failures are logged and retried.</summary>
    public async Task RunAsync(NodeAnnotations join, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(join);
        var subnets = new Dictionary<string, V1Subnet>(StringComparer.Ordinal);
        string? resourceVersion = null;
        IReadOnlyList<IPAddress> nodeIps = [];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    nodeIps = await NodeInternalIpsAsync(cancellationToken).ConfigureAwait(false);
                    var list = await kube.ListAsync<V1Subnet>(null, cancellationToken: cancellationToken).ConfigureAwait(false);
                    subnets = list.Items.ToDictionary(s => s.Metadata!.Name!, StringComparer.Ordinal);
                    resourceVersion = list.Metadata?.ResourceVersion;
                    await ApplyAsync(join, subnets.Values, nodeIps, device, cancellationToken).ConfigureAwait(false);
                }

                await foreach (var change in kube.WatchAsync<V1Subnet>(null, new WatchOptions { ResourceVersion = resourceVersion }, cancellationToken).ConfigureAwait(false))
                {
                    resourceVersion = change.Object.Metadata?.ResourceVersion ?? resourceVersion;
                    var name = change.Object.Metadata?.Name;
                    if (name is null || change.Type is not (WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted))
                    {
                        continue;
                    }

                    if (change.Type == WatchEventType.Deleted)
                    {
                        subnets.Remove(name);
                    }
                    else
                    {
                        subnets[name] = change.Object;
                    }

                    await ApplyAsync(join, subnets.Values, nodeIps, device, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (KubeGoneException)
            {
                resourceVersion = null;
            }
            catch (Exception e) when (e is KubeException or VmNet.Daemon.Netlink.KernelNetworkException)
            {
                logger.LogWarning("node {Node}: subnet routes sync failed, retrying: {Error}", options.NodeName, e.Message);
                resourceVersion = null;
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplyAsync(NodeAnnotations join, IEnumerable<V1Subnet> subnets, IReadOnlyList<IPAddress> nodeIps, string device, CancellationToken cancellationToken)
    {
        var plan = HostRoutePlan.SubnetRoutes(join, subnets, nodeIps, device, options.ClusterRouter);
        var changes = await sync.SyncGatewayRoutesAsync(plan, device, cancellationToken).ConfigureAwait(false);
        if (changes.Any)
        {
            logger.LogInformation(
                "node {Node}: routes via {Device} added [{Added}], removed [{Removed}]",
                options.NodeName,
                device,
                string.Join(", ", changes.Added),
                string.Join(", ", changes.Removed.Select(r => $"{r.Destination} via {r.Gateway}")));
        }
    }

    private async Task<IReadOnlyList<IPAddress>> NodeInternalIpsAsync(CancellationToken cancellationToken)
    {
        var node = await kube.GetAsync<V1Node>(null, options.NodeName, cancellationToken).ConfigureAwait(false);
        return (node.Status?.Addresses ?? [])
            .Where(a => a.Type == "InternalIP" && IPAddress.TryParse(a.Address, out _))
            .Select(a => IPAddress.Parse(a.Address!))
            .ToArray();
    }
}
