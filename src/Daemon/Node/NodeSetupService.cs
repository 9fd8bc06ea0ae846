using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Node;

/// <summary>
/// Node setup: chassis registration and br-int before the CNI socket opens (StartAsync), then the
/// chassis annotation and the ovn0 join port in the background, the latter as soon as the controller
/// has written the node's join annotations (watched, not polled).
/// </summary>
public sealed class NodeSetupService(
    ChassisRegistration registration,
    JoinPort joinPort,
    NodeStatus status,
    IKubeClient kube,
    DaemonOptions options,
    ILogger<NodeSetupService> logger) : BackgroundService
{
    private string? systemId;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        systemId = await registration.RegisterAsync(cancellationToken).ConfigureAwait(false);
        await registration.EnsureBridgeAsync(cancellationToken).ConfigureAwait(false);
        status.SystemId = systemId;
        logger.LogInformation(
            "node {Node}: chassis {SystemId} registered in OVS (encap {Encap} {EncapIp}, datapath {Datapath}), {Bridge} ready",
            options.NodeName, systemId, options.EncapType, options.EncapIp, options.DatapathType, options.IntegrationBridge);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await AnnotateChassisAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (KubeException e)
        {
            // Pods can still be served; the controller only needs the annotation for its own checks.
            logger.LogError("node {Node}: the chassis annotation could not be written: {Error}", options.NodeName, e.Message);
        }

        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await SetUpJoinPortAsync(stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is KubeException or VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException or FormatException)
            {
                logger.LogError("node {Node}: setting up ovn0 failed (attempt {Attempt}), retrying: {Error}", options.NodeName, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task AnnotateChassisAsync(CancellationToken cancellationToken)
    {
        var patch = KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [NodeAnnotations.Chassis] = systemId } } });
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await kube.PatchAsync<V1Node>(null, options.NodeName, patch, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("node {Node} annotated {Key}={SystemId}", options.NodeName, NodeAnnotations.Chassis, systemId);
                return;
            }
            catch (KubeException e) when (attempt < 5)
            {
                logger.LogWarning("annotating node {Node} with its chassis failed (attempt {Attempt}): {Error}", options.NodeName, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task SetUpJoinPortAsync(CancellationToken cancellationToken)
    {
        var watcher = new ObjectWatcher<V1Node>(kube);
        var loggedMissing = false;
        NodeAnnotations? join = null;
        await watcher.WaitAsync(
            null,
            options.NodeName,
            node => (join = NodeAnnotations.TryParse(options.NodeName, node.Metadata?.Annotations, out _)) is not null,
            node =>
            {
                if (!loggedMissing && NodeAnnotations.TryParse(options.NodeName, node.Metadata?.Annotations, out var missing) is null)
                {
                    loggedMissing = true;
                    logger.LogInformation("node {Node} has no {Key} yet: ovn0 waits for the controller's join allocation", options.NodeName, missing);
                }
            },
            cancellationToken).ConfigureAwait(false);
        await joinPort.EnsureAsync(join!, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("ovn0 up as {Port} with {Addresses} ({Mac})", join!.PortName, string.Join(",", join.Addresses), join.Mac);
    }
}
