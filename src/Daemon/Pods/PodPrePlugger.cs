using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Daemon.Ovs;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Watches the pods scheduled to this node and keeps a port plugged for each allocated one before kubelet's
/// ADD arrives (<see cref="PrePlugs"/>), so ovn-controller binds it and installs its flows ahead of time. Every
/// (re)list sweeps what no pod needs any more. Off with <see cref="DaemonOptions.PrePlug"/> = false.
/// </summary>
public sealed class PodPrePlugger(IKubeClient kube, PrePlugs prePlugs, OvsPorts ports, DaemonOptions options, ILogger<PodPrePlugger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.PrePlug)
        {
            return;
        }

        // Node setup creates br-int; ports can only be plugged once it is there.
        await ports.Client.Cache.WaitForRowAsync(VmNet.Ovsdb.Vswitch.Bridge.Table, r => r.Name == options.IntegrationBridge, stoppingToken).ConfigureAwait(false);
        var selector = "spec.nodeName=" + options.NodeName;
        string? resourceVersion = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    var list = await kube.ListAsync<V1Pod>(null, new ListOptions { FieldSelector = selector }, stoppingToken).ConfigureAwait(false);
                    await LoggedAsync("sweep", () => prePlugs.SweepAsync(list.Items, stoppingToken)).ConfigureAwait(false);
                    foreach (var pod in list.Items)
                    {
                        await LoggedAsync(Describe(pod), () => prePlugs.ReconcileAsync(pod, stoppingToken)).ConfigureAwait(false);
                    }

                    resourceVersion = list.Metadata?.ResourceVersion;
                }

                await foreach (var change in kube.WatchAsync<V1Pod>(null, new WatchOptions { FieldSelector = selector, ResourceVersion = resourceVersion }, stoppingToken).ConfigureAwait(false))
                {
                    resourceVersion = change.Object.Metadata?.ResourceVersion ?? resourceVersion;
                    var pod = change.Object;
                    await LoggedAsync(Describe(pod), () => change.Type == WatchEventType.Deleted
                        ? prePlugs.ForgetAsync(pod.Metadata?.Namespace, pod.Metadata?.Name, stoppingToken)
                        : prePlugs.ReconcileAsync(pod, stoppingToken)).ConfigureAwait(false);
                }
            }
            catch (KubeGoneException)
            {
                resourceVersion = null;
            }
            catch (KubeException e)
            {
                logger.LogWarning("pod watch for pre-plugging failed, retrying: {Error}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private static string Describe(V1Pod pod) => $"pod {pod.Metadata?.Namespace}/{pod.Metadata?.Name}";

    /// <summary>One pod's failure (OVS transaction, kernel) must not stop the watch: the next event or list retries it.</summary>
    private async Task LoggedAsync(string what, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception e) when (e is VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException)
        {
            logger.LogWarning("pre-plugging ({What}) failed: {Error}", what, e.Message);
        }
    }
}
