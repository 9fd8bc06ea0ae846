using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Daemon.Ovs;
using VmNet.Dpdk;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Dpdk;

/// <summary>
/// Reports each vhost-user NIC's OVS link state on its pod (<see cref="VhostUserPodAnnotations.LinkKey"/>): the
/// readiness signal for these NICs, since OVN claims the port before the VM has opened its socket. "up" is
/// <see cref="VhostUserNicState.IsConnected"/> (link_state or the device status: OVS can leave link_state stale
/// after a vswitchd restart). Level-triggered:
/// a change only queues the interface name; the current state is read from the cache when the patch is sent.
/// </summary>
public sealed class VhostUserLinkReporter(IKubeClient kube, OvsPorts ports, ILogger<VhostUserLinkReporter> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private readonly Channel<string> changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, string> reported = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cache = ports.Client.Cache;
        using var subscription = cache.Subscribe(OnChange, Interface.Table);
        foreach (var iface in cache.Rows<Interface>().Where(i => i.Type == DpdkCapability.VhostUserClientType))
        {
            changed.Writer.TryWrite(iface.Name);
        }

        await foreach (var name in changed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ReportAsync(name, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A report is best effort: the daemon's CNI service must not stop because of one.
                logger.LogError(e, "reporting the link state of vhost-user port {Port} failed", name);
            }
        }
    }

    private async Task RequeueAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            changed.Writer.TryWrite(name);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void OnChange(RowChange change)
    {
        if (change.New is { } row && row.GetOptionalString("type") == DpdkCapability.VhostUserClientType
            && (change.Old is null || VhostUserPorts.IsConnected(change.Old) != VhostUserPorts.IsConnected(row)))
        {
            changed.Writer.TryWrite(row.Name ?? string.Empty);
        }
    }

    private async Task ReportAsync(string name, CancellationToken cancellationToken)
    {
        var iface = ports.Client.Cache.FindByName<Interface>(name).FirstOrDefault();
        if (iface is null
            || iface.ExternalIds.GetValueOrDefault("pod_namespace") is not { Length: > 0 } ns
            || iface.ExternalIds.GetValueOrDefault("pod_name") is not { Length: > 0 } pod
            || iface.ExternalIds.GetValueOrDefault(VhostUserAttachment.IfNameKey) is not { Length: > 0 } ifName)
        {
            return;
        }

        var link = VhostUserNicState.IsConnected(iface.LinkState, iface.Status.GetValueOrDefault("status")) ? "up" : "down";
        var key = $"{ns}/{pod}/{ifName}";
        if (reported.GetValueOrDefault(key) == link)
        {
            return;
        }

        var patch = KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [VhostUserPodAnnotations.LinkKey(ifName)] = link } } });
        try
        {
            await kube.PatchAsync<V1Pod>(ns, pod, patch, cancellationToken).ConfigureAwait(false);
            reported[key] = link;
            logger.LogInformation("vhost-user NIC {IfName} of pod {Namespace}/{Pod} (port {Port}): link {Link}", ifName, ns, pod, name, link);
        }
        catch (KubeNotFoundException)
        {
            // The pod is gone; its port follows with DEL.
        }
        catch (Exception e) when (e is KubeException or HttpRequestException or TimeoutException)
        {
            logger.LogWarning(e, "reporting vhost-user link {Link} of {Namespace}/{Pod} {IfName} failed; retrying in {Delay}", link, ns, pod, ifName, RetryDelay);
            _ = RequeueAsync(name, cancellationToken);
        }
    }
}
