using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Daemon.Ovs;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Watches the pods scheduled to this node and keeps a port plugged for each allocated one before kubelet's
/// ADD arrives (<see cref="PrePlugs"/>), so ovn-controller binds it and installs its flows ahead of time. Every
/// (re)list sweeps what no pod needs any more, and a timer removes ports that waited longer than
/// <see cref="DaemonOptions.PrePlugMaxAge"/>. Off with <see cref="DaemonOptions.PrePlug"/> = false.
/// </summary>
public sealed class PodPrePlugger(IKubeClient kube, PrePlugs prePlugs, NodePods nodePods, OvsPorts ports, DaemonOptions options, ILogger<PodPrePlugger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.PrePlug)
        {
            return;
        }

        // Node setup creates br-int; ports can only be plugged once it is there.
        await ports.Client.Cache.WaitForRowAsync(VmNet.Ovsdb.Vswitch.Bridge.Table, r => r.Name == options.IntegrationBridge, stoppingToken).ConfigureAwait(false);
        await Task.WhenAll(WatchPodsAsync(stoppingToken), ExpireLoopAsync(stoppingToken)).ConfigureAwait(false);
    }

    /// <summary>How often expired waiting ports are looked for: a quarter of the max age, between 1 s and 1 min.</summary>
    public static TimeSpan ExpiryInterval(TimeSpan maxAge) =>
        TimeSpan.FromTicks(Math.Clamp(maxAge.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    private async Task ExpireLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ExpiryInterval(options.PrePlugMaxAge));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await LoggedAsync("expiry", () => prePlugs.ExpireAsync(DateTimeOffset.UtcNow, stoppingToken)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task WatchPodsAsync(CancellationToken stoppingToken)
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
                    nodePods.ReplaceAll(list.Items);
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
                    if (change.Type == WatchEventType.Deleted)
                    {
                        nodePods.Forget(pod.Metadata?.Namespace, pod.Metadata?.Name);
                    }
                    else
                    {
                        nodePods.Seen(pod);
                    }

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
