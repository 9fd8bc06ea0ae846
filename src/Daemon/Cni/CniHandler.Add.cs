using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using VmNet.Cni;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Errors;

namespace VmNet.Daemon.Cni;

public sealed partial class CniHandler
{
    public async Task<CniResult> AddAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        AddRequestValidator.Validate(request, needsNetns: !request.IpamOnly);
        var phases = new AddPhases(Stopwatch.GetTimestamp());
        using var held = await locks.AcquireAsync(LockKey(request.ContainerId, request.IfName), cancellationToken).ConfigureAwait(false);
        var (pod, network) = await WaitForAllocationAsync(request, cancellationToken).ConfigureAwait(false);
        phases.AnnotationsMs = phases.Lap();
        if (request.IpamOnly)
        {
            return ResultBuilder.IpamOnly(network);
        }

        var portName = PortNames.ForPod(network.VirtualMachine ?? request.PodName, request.PodNamespace, network.Provider);
        if (IsVhostUser(request))
        {
            await DiscardPrePlugAsync(portName, cancellationToken).ConfigureAwait(false);
            return await AddVhostUserAsync(request, pod, network, cancellationToken).ConfigureAwait(false);
        }

        var spec = new PodInterfaceSpec
        {
            NetnsPath = request.NetNs,
            IfName = request.IfName,
            HostName = VethNames.HostSide(request.ContainerId, request.IfName),
            Mac = PhysicalAddress.Parse(network.Mac.Replace(':', '-')),
            Mtu = request.Mtu ?? options.EffectivePodMtu,
            Addresses = network.Addresses,
            Routes = PodRoutes.Build(network, request.IfName, request.Routes ?? []),
            NoDad = network.MigrationTarget,
        };
        var deferredAddressing = DefersAddressing(request, network) ? spec : null;
        if (deferredAddressing is not null)
        {
            spec = spec with { Addresses = [], Routes = [] };
        }

        // The subnet's disableGatewayCheck is read from the API while the node work runs.
        var gatewayCheckDisabled = network.MigrationTarget ? Task.FromResult(true) : GatewayCheckDisabledAsync(network.LogicalSwitch, cancellationToken);
        using var gatewayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? gateway = null;
        try
        {
            // A repeated or retried ADD: the old port goes (and vswitchd lets go of it) before its device is re-created.
            // An SR-IOV port's record says what to give back first (VF out of the old netns, representor renamed back).
            await RemoveAdoptedAttachmentAsync(request, cancellationToken).ConfigureAwait(false);
            await sriov.DetachAsync(spec.HostName, request.NetNs, request.IfName, cancellationToken).ConfigureAwait(false);
            await RemoveStalePortAsync(spec.HostName, cancellationToken).ConfigureAwait(false);
            phases.StalePortMs = phases.Lap();

            // SR-IOV (deviceID given): the VF replaces the veth's pod end and its representor the host end.
            // A port plugged ahead for this pod (README "Pre-plugging") is taken over; else the veth and port are made now.
            var podSideConfigured = true;
            using (await prePlugs.LockAsync(portName, cancellationToken).ConfigureAwait(false))
            {
                if (request.DeviceId is { Length: > 0 })
                {
                    await prePlugs.DiscardAsync(portName, cancellationToken).ConfigureAwait(false);
                    podSideConfigured = (await sriov.AttachAsync(request, spec, PortSpec(request, network, spec.HostName, portName), cancellationToken).ConfigureAwait(false)).VfInPod;
                    phases.NetnsMs = phases.Lap();
                }
                else if (await FindPrePlugAsync(portName, network, cancellationToken).ConfigureAwait(false) is { } waiting)
                {
                    // The gateway probe starts before the pod's interface exists: it needs only the link (it sends its
                    // own frames) and waits for it to appear and come up, so its thread and socket are ready when the
                    // link is (on a loaded node each thread start waits for a CPU). It stays valid when the ADD falls
                    // back to plugging anew: the same interface name appears in the same netns. The port records this
                    // container (one OVSDB transaction) while the kernel work runs; from then on a failure rolls the
                    // waiting port back like a port this ADD plugged.
                    var attachSpec = spec with { HostName = waiting };
                    gateway = StartGatewayCheck(request, attachSpec, network, gatewayCheckDisabled, gatewayCancel);
                    var adopting = AdoptPortAsync(request, network, waiting, portName, cancellationToken);
                    VmNet.Daemon.Netlink.RouteNetlinkClient? podLinks;
                    try
                    {
                        spec = attachSpec;
                        podLinks = await AttachPrePlugAsync(attachSpec, portName, adopting, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await IgnoreFailureAsync(adopting).ConfigureAwait(false);
                        throw;
                    }

                    phases.AttachMs = phases.Lap();
                    if (podLinks is not null)
                    {
                        using (podLinks)
                        {
                            await interfaces.ConfigureAttachedAsync(spec, podLinks, cancellationToken).ConfigureAwait(false);
                        }

                        phases.NetnsMs = phases.Lap();
                        await adopting.ConfigureAwait(false);
                        phases.PlugMs = phases.Lap();
                    }
                    else
                    {
                        spec = spec with { HostName = VethNames.HostSide(request.ContainerId, request.IfName) };
                        await PlugAnewAsync(request, network, spec, portName, phases, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    await PlugAnewAsync(request, network, spec, portName, phases, cancellationToken).ConfigureAwait(false);
                }
            }

            if (podSideConfigured && UserspaceDatapath && network.Qos.EgressRateMbps > 0)
            {
                await PodEgressLimiter.ApplyAsync(spec.NetnsPath, spec.IfName, network.Qos, cancellationToken).ConfigureAwait(false);
            }

            gateway ??= podSideConfigured
                ? StartGatewayCheck(request, spec, network, gatewayCheckDisabled, gatewayCancel)
                : Task.CompletedTask;
            await WaitReadyAsync(spec.HostName, portName, gateway, gatewayCancel, phases, cancellationToken).ConfigureAwait(false);
            if (deferredAddressing is not null)
            {
                spec = spec with { Addresses = deferredAddressing.Addresses, Routes = deferredAddressing.Routes };
                await AddMigrationTargetAddressingAsync(request, spec, portName, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // Nothing half-configured stays behind, also when the binary gave up or the daemon is stopping:
            // the next ADD (or DEL) starts from a clean node.
            await gatewayCancel.CancelAsync().ConfigureAwait(false);
            await IgnoreFailureAsync(gateway ?? Task.CompletedTask).ConfigureAwait(false);
            await IgnoreFailureAsync(gatewayCheckDisabled).ConfigureAwait(false);
            await RollBackAsync(spec.HostName, request.NetNs, request.IfName, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        LogAdded(request, network, portName, spec.HostName, phases);
        return ResultBuilder.Build(request, network, spec);
    }

    private void LogAdded(DaemonRequest request, PodNetwork network, string portName, string hostName, AddPhases phases) =>
        logger.LogInformation(
            "ADD {Namespace}/{Pod} {IfName} container {ContainerId}: {Addresses} on port {Port} ({HostName}) in {TotalMs:F1} ms "
                + "(annotations {AnnotationsMs:F1}, stale port {StalePortMs:F1}, attach {AttachMs:F1}, netns {NetnsMs:F1}, plug {PlugMs:F1}, ovn-installed {OvnInstalledMs:F1}, gateway {GatewayMs:F1}) from {StartedMonotonicUs} us",
            request.PodNamespace, request.PodName, request.IfName, request.ContainerId, string.Join(",", network.Addresses), portName, hostName,
            phases.TotalMs, phases.AnnotationsMs, phases.StalePortMs, phases.AttachMs, phases.NetnsMs, phases.PlugMs, phases.OvnInstalledMs, phases.GatewayMs, phases.StartedMonotonicUs);

    private bool UserspaceDatapath => options.DatapathType == "netdev";

    private async Task RemoveStalePortAsync(string hostName, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await ports.RemoveAndSyncAsync(hostName, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CniFailure(CniErrorCodes.InterfaceSetupFailed, $"ovs-vswitchd did not apply the removal of stale port {hostName} within 10s", HttpStatusCode.ServiceUnavailable);
        }
    }

    private async Task<(V1Pod Pod, PodNetwork Network)> WaitForAllocationAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.AnnotationTimeout);
        string? missing = null;
        PodNetwork? network = null;
        if (nodePods.Find(request.PodNamespace, request.PodName, request.PodUid) is { } seen
            && Parse(seen, request.Provider, request.IfName, out _) is { } known)
        {
            return (seen, known);
        }

        try
        {
            var pod = await podWatcher.WaitAsync(
                request.PodNamespace,
                request.PodName,
                p => (network = Parse(p, request.Provider, request.IfName, out missing)) is not null,
                null,
                timeout.Token).ConfigureAwait(false);
            return (pod, network!);
        }
        catch (KubeNotFoundException)
        {
            throw new CniFailure(CniErrorCodes.PodNotFound, $"pod {request.PodNamespace}/{request.PodName} not found", HttpStatusCode.NotFound);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var why = await ControllerWarningAsync(request, cancellationToken).ConfigureAwait(false);
            throw new CniFailure(
                CniErrorCodes.AddressNotAllocated,
                $"pod {request.PodNamespace}/{request.PodName}: annotation {missing ?? new PodAnnotationKeys(request.Provider).Allocated} not set after {options.AnnotationTimeout.TotalSeconds:0}s"
                    + (why is null ? string.Empty : "; controller: " + why),
                HttpStatusCode.ServiceUnavailable,
                "the controller allocates the address; see its logs and the pod's events");
        }
    }

    /// <summary>
    /// The controller's latest Warning event on the pod (e.g. AcquireAddressFailed naming a full subnet), so an ADD
    /// that timed out says why; null when there is none or it cannot be read (the timeout error stands on its own).
    /// </summary>
    private async Task<string?> ControllerWarningAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var events = await kube.ListAsync<CoreV1Event>(
                request.PodNamespace,
                new ListOptions { FieldSelector = $"involvedObject.kind=Pod,involvedObject.name={request.PodName},type=Warning" },
                timeout.Token).ConfigureAwait(false);
            return events.Items
                .OrderByDescending(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? DateTimeOffset.MinValue)
                .Select(e => $"{e.Reason}: {e.Message}")
                .FirstOrDefault();
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            logger.LogDebug(e, "reading the events of {Namespace}/{Pod} failed", request.PodNamespace, request.PodName);
            return null;
        }
    }

    private static PodNetwork? Parse(V1Pod pod, string provider, out string? missing) => Parse(pod, provider, null, out missing);

    /// <summary>
    /// Multus attachments (facts §2.1, §5.5): the same NAD attached twice is served under <c>&lt;provider&gt;.&lt;ifName&gt;</c>;
    /// the implicit ovn NIC leaves the default route to a secondary NIC that asks for it even before the
    /// controller wrote its <c>default_route</c> keys.
    /// </summary>
    private static PodNetwork? Parse(V1Pod pod, string provider, string? ifName, out string? missing)
    {
        var annotations = pod.Metadata?.Annotations;
        try
        {
            var effective = ifName is null ? provider : VmNet.Multus.ProviderNames.ForInterface(provider, ifName, annotations);
            var network = PodNetworkParser.TryParse(effective, annotations, out missing);
            return network is { DefaultRoute: null } && effective == VmNet.Multus.ProviderNames.Ovn
                ? network with { DefaultRoute = ifName == "eth0" && VmNet.Multus.PrimaryDefaultRoute.Carries(annotations, pod.Metadata?.Namespace ?? string.Empty) }
                : network;
        }
        catch (PodAnnotationException e)
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidNetworkConfig, $"pod {pod.Metadata?.Namespace}/{pod.Metadata?.Name}: {e.Message}");
        }
    }

    private async Task PlugAsync(DaemonRequest request, PodNetwork network, string hostName, string portName, CancellationToken cancellationToken)
    {
        try
        {
            await ports.AddAsync(PortSpec(request, network, hostName, portName), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OvsdbException or InvalidOperationException)
        {
            throw CniFailure.SetupFailed($"plugging {hostName} into {options.IntegrationBridge} as {portName} failed: {e.Message}", e);
        }
    }

    private OvsPortSpec PortSpec(DaemonRequest request, PodNetwork network, string hostName, string portName)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OvsExternalIds.Vendor] = OvsExternalIds.VendorValue,
            [OvsExternalIds.PodName] = request.PodName,
            [OvsExternalIds.PodNamespace] = request.PodNamespace,
            [OvsExternalIds.PodNetns] = request.NetNs,
            [OvsExternalIds.Provider] = request.Provider,
            [OvsExternalIds.ContainerId] = request.ContainerId,
            [OvsExternalIds.IfName] = request.IfName,
        };
        if (network.Addresses.Count > 0)
        {
            ids[OvsExternalIds.Ip] = string.Join(",", network.Addresses.Select(a => a.Address));
        }

        return new OvsPortSpec { Name = hostName, IfaceId = portName, ExternalIds = ids, Qos = network.Qos, PoliceOnOvs = !UserspaceDatapath };
    }

    private async Task WaitInstalledAsync(string hostName, string portName, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.OvnInstalledTimeout);
        try
        {
            await ports.WaitInstalledAsync(hostName, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CniFailure(
                CniErrorCodes.InterfaceSetupFailed,
                $"OVS interface {hostName} (iface-id {portName}) is not ovn-installed after {options.OvnInstalledTimeout.TotalSeconds:0}s",
                HttpStatusCode.ServiceUnavailable,
                "ovn-controller claims the port only when logical switch port " + portName + " exists and may be bound to this chassis");
        }
    }

    /// <summary>The gateway check as a running task (a completed one when the subnet or a migration disables it).</summary>
    /// <summary>
    /// The gateway check, started at once: the subnet's disableGatewayCheck (read from the API meanwhile) only decides
    /// at the end whether its outcome counts, so that read is never on the ADD's path.
    /// </summary>
    private Task StartGatewayCheck(DaemonRequest request, PodInterfaceSpec spec, PodNetwork network, Task<bool> disabled, CancellationTokenSource cancel)
    {
        if (disabled is { IsCompletedSuccessfully: true, Result: true })
        {
            return Task.CompletedTask;
        }

        return GatewayOutcomeAsync(CheckGatewayAsync(request, spec, network, cancel.Token), disabled, cancel);
    }

    private static async Task GatewayOutcomeAsync(Task probe, Task<bool> disabled, CancellationTokenSource cancel)
    {
        if (await disabled.ConfigureAwait(false))
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await IgnoreFailureAsync(probe).ConfigureAwait(false);
            return;
        }

        await probe.ConfigureAwait(false);
    }

    /// <summary>
    /// Both conditions of a ready pod network, awaited together: ovn-controller's <c>ovn-installed</c> and the
    /// gateway answering from inside the pod (already running). An ovn-installed failure is the one reported.
    /// </summary>
    private async Task WaitReadyAsync(string hostName, string portName, Task gateway, CancellationTokenSource gatewayCancel, AddPhases phases, CancellationToken cancellationToken)
    {
        try
        {
            await WaitInstalledAsync(hostName, portName, cancellationToken).ConfigureAwait(false);
            phases.OvnInstalledMs = phases.Lap();
        }
        catch
        {
            await gatewayCancel.CancelAsync().ConfigureAwait(false);
            await IgnoreFailureAsync(gateway).ConfigureAwait(false);
            throw;
        }

        await gateway.ConfigureAwait(false);
        phases.GatewayMs = phases.Lap();
    }

    private static async Task IgnoreFailureAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A side task's own outcome does not matter once the ADD failed for another reason.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task CheckGatewayAsync(DaemonRequest request, PodInterfaceSpec spec, PodNetwork network, CancellationToken cancellationToken)
    {
        foreach (var gateway in network.Gateways)
        {
            if (!await GatewayChecker.AnswersAsync(spec, gateway, options.GatewayCheckTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw new CniFailure(
                    CniErrorCodes.GatewayCheckFailed,
                    $"pod {request.PodNamespace}/{request.PodName}: gateway {gateway} did not answer from {spec.IfName} within {options.GatewayCheckTimeout.TotalSeconds:0}s");
            }
        }
    }

    /// <summary>Subnet <c>spec.disableGatewayCheck</c>; a subnet the API does not know (or no Subnet CRD) keeps the check.</summary>
    private async Task<bool> GatewayCheckDisabledAsync(string logicalSwitch, CancellationToken cancellationToken)
    {
        try
        {
            var subnet = await kube.GetAsync<V1Subnet>(null, logicalSwitch, cancellationToken).ConfigureAwait(false);
            return subnet.Spec?.DisableGatewayCheck == true;
        }
        catch (KubeNotFoundException)
        {
            return false;
        }
    }

    private async Task RollBackAsync(string hostName, string netns, string ifName, CancellationToken cancellationToken)
    {
        try
        {
            if (await sriov.DetachAsync(hostName, netns, ifName, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await ports.RemoveAsync(hostName, cancellationToken).ConfigureAwait(false);
            await interfaces.DeleteAsync(hostName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OvsdbException or VmNet.Daemon.Netlink.KernelNetworkException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or CniFailure)
        {
            logger.LogWarning(e, "rolling back {HostName} after a failed ADD left something behind", hostName);
        }
    }
}
