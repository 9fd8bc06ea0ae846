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
    private static readonly TimeSpan JoinPortCheckInterval = TimeSpan.FromSeconds(3);

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

        // ovn0 follows the join annotations for the daemon's life (the controller re-addresses nodes when the
        // join CIDR changes); each new allocation restarts the routes and the gateway check.
        NodeAnnotations? current = null;
        CancellationTokenSource? networkingStop = null;
        Task networking = Task.CompletedTask;
        try
        {
            for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
            {
                NodeAnnotations join;
                try
                {
                    join = await SetUpJoinPortAsync(current, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is KubeException or VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException or FormatException)
                {
                    logger.LogError("node {Node}: setting up ovn0 failed (attempt {Attempt}), retrying: {Error}", options.NodeName, attempt, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken).ConfigureAwait(false);
                    continue;
                }

                attempt = 0;
                await StopNetworkingAsync(networkingStop, networking).ConfigureAwait(false);
                current = join;
                networkingStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                networking = RunNodeNetworkingAsync(join, networkingStop.Token);
            }
        }
        finally
        {
            await StopNetworkingAsync(networkingStop, networking).ConfigureAwait(false);
        }
    }

    /// <summary>Cancels <paramref name="stop"/> (when given) and waits for <paramref name="running"/> to wind down.</summary>
    private static async Task StopNetworkingAsync(CancellationTokenSource? stop, Task running)
    {
        if (stop is not null)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stop?.Dispose();
    }

    /// <summary>
    /// Subnet routes (for as long as this join allocation holds) and the gateway check, side by side; if ovn0
    /// disappears (OVS restarted without it, someone deleted it), it is plugged again and both start over, since
    /// the kernel dropped every route through the old device.
    /// </summary>
    private async Task RunNodeNetworkingAsync(NodeAnnotations join, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var routes = new HostRouteSync(host.Links);
                var subnetRoutes = new SubnetRouteWatcher(kube, routes, options, logger).RunAsync(join, JoinPort.Name, round.Token);
                var gateway = CheckJoinGatewayAsync(join, routes, round.Token);
                await WaitForJoinPortLossAsync(join, cancellationToken).ConfigureAwait(false);
                logger.LogWarning("node {Node}: {Device} is gone: plugging it again", options.NodeName, JoinPort.Name);
                await round.CancelAsync().ConfigureAwait(false);
                await StopNetworkingAsync(null, Task.WhenAll(subnetRoutes, gateway)).ConfigureAwait(false);
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await joinPort.EnsureAsync(join, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (e is VmNet.Ovsdb.Errors.OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException)
                {
                    logger.LogError("node {Node}: plugging {Device} again failed (attempt {Attempt}), retrying: {Error}", options.NodeName, JoinPort.Name, attempt, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Returns once ovn0 is missing from OVS or the kernel (checked every few seconds, as Kube-OVN's daemon does).</summary>
    private async Task WaitForJoinPortLossAsync(NodeAnnotations join, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(JoinPortCheckInterval, cancellationToken).ConfigureAwait(false);
            try
            {
                if (!await joinPort.IsPresentAsync(join, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (VmNet.Daemon.Netlink.KernelNetworkException e)
            {
                logger.LogWarning("node {Node}: checking {Device} failed: {Error}", options.NodeName, JoinPort.Name, e.Message);
            }
        }
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

    /// <summary>Waits (watch) for join annotations other than <paramref name="current"/>, then plugs ovn0 with them.</summary>
    private async Task<NodeAnnotations> SetUpJoinPortAsync(NodeAnnotations? current, CancellationToken cancellationToken)
    {
        var watcher = new ObjectWatcher<V1Node>(kube);
        var loggedMissing = false;
        NodeAnnotations? join = null;
        await watcher.WaitAsync(
            null,
            options.NodeName,
            node => (join = NodeAnnotations.TryParse(options.NodeName, node.Metadata?.Annotations, out _)) is not null && (current is null || !join.SameAllocation(current)),
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
