using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Daemon.Ovs;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Watches the pods of this node and applies changed <c>ingress_rate</c>/<c>egress_rate</c> annotations
/// to their OVS ports live (the pod keeps running).
/// </summary>
public sealed class PodQosWatcher(IKubeClient kube, OvsPorts ports, DaemonOptions options, ILogger<PodQosWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var selector = "spec.nodeName=" + options.NodeName;
        string? resourceVersion = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    var list = await kube.ListAsync<V1Pod>(null, new ListOptions { FieldSelector = selector }, stoppingToken).ConfigureAwait(false);
                    foreach (var pod in list.Items)
                    {
                        await ApplyLoggedAsync(pod, stoppingToken).ConfigureAwait(false);
                    }

                    resourceVersion = list.Metadata?.ResourceVersion;
                }

                await foreach (var change in kube.WatchAsync<V1Pod>(null, new WatchOptions { FieldSelector = selector, ResourceVersion = resourceVersion }, stoppingToken).ConfigureAwait(false))
                {
                    resourceVersion = change.Object.Metadata?.ResourceVersion ?? resourceVersion;
                    if (change.Type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        await ApplyLoggedAsync(change.Object, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (KubeGoneException)
            {
                resourceVersion = null;
            }
            catch (KubeException e)
            {
                logger.LogWarning("pod watch for QoS failed, retrying: {Error}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One pod's failure (netns gone, port removed meanwhile) must not stop the watch for the others.</summary>
    private async Task ApplyLoggedAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await ApplyAsync(pod, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException)
        {
            logger.LogWarning("applying QoS of pod {Namespace}/{Pod} failed: {Error}", pod.Metadata?.Namespace, pod.Metadata?.Name, e.Message);
        }
    }

    private async Task ApplyAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var name = pod.Metadata?.Name;
        var ns = pod.Metadata?.Namespace;
        foreach (var iface in ports.OwnedInterfaces().Where(i => i.ExternalIds.GetValueOrDefault(OvsExternalIds.PodName) == name
            && i.ExternalIds.GetValueOrDefault(OvsExternalIds.PodNamespace) == ns))
        {
            var provider = iface.ExternalIds.GetValueOrDefault(OvsExternalIds.Provider) ?? "ovn";
            PodQos wanted;
            try
            {
                wanted = PodNetworkParser.ParseQos(provider, pod.Metadata?.Annotations);
            }
            catch (PodAnnotationException e)
            {
                logger.LogWarning("pod {Namespace}/{Pod}: {Error}; QoS left as it is", ns, name, e.Message);
                continue;
            }

            var current = ports.ReadQos(iface.Name);
            if (current is null || (current.IngressRateMbps == wanted.IngressRateMbps && current.EgressRateMbps == wanted.EgressRateMbps))
            {
                continue;
            }

            var userspace = options.DatapathType == "netdev";
            await ports.SetQosAsync(iface.Name, wanted, policeOnOvs: !userspace, cancellationToken).ConfigureAwait(false);
            if (userspace && current.EgressRateMbps != wanted.EgressRateMbps
                && iface.ExternalIds.GetValueOrDefault(OvsExternalIds.PodNetns) is { Length: > 0 } netns
                && iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfName) is { Length: > 0 } ifName)
            {
                await PodEgressLimiter.ApplyAsync(netns, ifName, wanted, cancellationToken).ConfigureAwait(false);
            }

            logger.LogInformation(
                "pod {Namespace}/{Pod} {Port}: QoS ingress {Ingress} Mbit/s, egress {Egress} Mbit/s (was {OldIngress}/{OldEgress})",
                ns, name, iface.Name, wanted.IngressRateMbps, wanted.EgressRateMbps, current.IngressRateMbps, current.EgressRateMbps);
        }
    }
}
