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
/// has written the node's join annotations (watched, not polled). With ovn0 up: the join CIDR's on-link
/// route, the join gateway ping reported as the NetworkUnavailable condition, and routes to the default
/// VPC's subnets via the join gateway kept in sync with the Subnets for the daemon's lifetime.
/// </summary>
public sealed class NodeSetupService(
    ChassisRegistration registration,
    JoinPort joinPort,
    NodeStatus status,
    HostNetwork host,
    VmNet.Daemon.Sriov.HwOffloadSetup hwOffload,
    IKubeClient kube,
    DaemonOptions options,
    ILogger<NodeSetupService> logger) : BackgroundService
{
    private string? systemId;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        systemId = await registration.RegisterAsync(cancellationToken).ConfigureAwait(false);
        await registration.EnsureBridgeAsync(cancellationToken).ConfigureAwait(false);
        await hwOffload.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await registration.ApplyDpdkAsync(cancellationToken).ConfigureAwait(false);
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

        NodeAnnotations? join = null;
        for (var attempt = 1; join is null; attempt++)
        {
            try
            {
                join = await SetUpJoinPortAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KubeException or VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException or FormatException)
            {
                logger.LogError("node {Node}: setting up ovn0 failed (attempt {Attempt}), retrying: {Error}", options.NodeName, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken).ConfigureAwait(false);
            }
        }

        var routes = new HostRouteSync(host.Links);
        var subnetRoutes = new SubnetRouteWatcher(kube, routes, options, logger).RunAsync(join, JoinPort.Name, stoppingToken);
        await CheckJoinGatewayAsync(join, routes, stoppingToken).ConfigureAwait(false);
        await subnetRoutes.ConfigureAwait(false);
    }

    /// <summary>Join route, then the gateway ping until it answers, each outcome written as the node condition.</summary>
    private async Task CheckJoinGatewayAsync(NodeAnnotations join, HostRouteSync routes, CancellationToken cancellationToken)
    {
        var check = new JoinGatewayCheck(host, kube);
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await routes.EnsureOnLinkAsync(HostRoutePlan.JoinRoutes(join, JoinPort.Name), JoinPort.Name, cancellationToken).ConfigureAwait(false);
                var unreachable = new List<System.Net.IPAddress>();
                foreach (var gateway in join.Gateways)
                {
                    if (!await check.PingAsync(gateway, options.GatewayCheckTimeout, cancellationToken).ConfigureAwait(false))
                    {
                        unreachable.Add(gateway);
                    }
                }

                var reachable = unreachable.Count == 0;
                var message = reachable
                    ? $"join subnet gateway {string.Join(",", join.Gateways)} answers ping from {JoinPort.Name}"
                    : $"join subnet gateway {string.Join(",", unreachable)} does not answer ping from {JoinPort.Name} ({join.PortName}) within {options.GatewayCheckTimeout.TotalSeconds:0}s";
                await check.SetConditionAsync(options.NodeName, reachable, message, cancellationToken).ConfigureAwait(false);
                if (reachable)
                {
                    logger.LogInformation("node {Node}: {Message}", options.NodeName, message);
                    return;
                }

                logger.LogWarning("node {Node}: {Message} (attempt {Attempt}), retrying", options.NodeName, message, attempt);
            }
            catch (Exception e) when (e is KubeException or VmNet.Daemon.Netlink.KernelNetworkException)
            {
                logger.LogWarning("node {Node}: join gateway check failed (attempt {Attempt}), retrying: {Error}", options.NodeName, attempt, e.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt * 2, 30)), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AnnotateChassisAsync(CancellationToken cancellationToken)
    {
        var annotations = new JsonObject { [NodeAnnotations.Chassis] = systemId };
        foreach (var (key, value) in registration.DpdkCapability().ToAnnotations())
        {
            annotations[key] = value;
        }

        var patch = KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } });
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

    private async Task<NodeAnnotations> SetUpJoinPortAsync(CancellationToken cancellationToken)
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
        return join;
    }
}
