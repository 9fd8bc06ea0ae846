using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using VmNet.Cni;
using VmNet.Daemon.Pods;
using VmNet.Ovsdb.Errors;

namespace VmNet.Daemon.Cni;

public sealed partial class CniHandler
{
    /// <summary>
    /// A migration target's interface is plugged without addresses or routes; they are added only once the Southbound
    /// Port_Binding lists this chassis (README "Migration target"), so frames for the still-running VM that reach the
    /// target before OVN blocks it meet a kernel without the VM's address and no RST breaks the VM's TCP connections.
    /// </summary>
    private static bool DefersAddressing(DaemonRequest request, PodNetwork network) =>
        network.MigrationTarget && request.DeviceId is not { Length: > 0 } && network.Addresses.Count > 0;

    private string ChassisName => status.SystemId ?? options.SystemId ?? options.NodeName;

    /// <summary>Waits (bounded by <see cref="DaemonOptions.OvnInstalledTimeout"/>) for the binding, then configures the addresses.</summary>
    private async Task AddMigrationTargetAddressingAsync(DaemonRequest request, PodInterfaceSpec addressed, string portName, CancellationToken cancellationToken)
    {
        var remote = options.SouthboundStatusRemote ?? options.SouthboundRemote ?? throw new CniFailure(
            CniErrorCodes.InterfaceSetupFailed,
            $"pod {request.PodNamespace}/{request.PodName} is a migration target but the daemon has no Southbound remote to see port {portName} bound to chassis {ChassisName}",
            HttpStatusCode.InternalServerError);
        var started = Stopwatch.GetTimestamp();
        var blockSeen = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.OvnInstalledTimeout);
        try
        {
            var blocked = await MigrationTargetBinding.WaitListedAsync(remote, portName, ChassisName, timeout.Token).ConfigureAwait(false);
            if (blocked && ports.FindInterface(addressed.HostName)?.Ofport is { } ofport)
            {
                await ActivationBlockProbe.WaitInstalledAsync(ActivationBlockProbe.MgmtSocket(options.OvsDatabase, options.IntegrationBridge), ofport, timeout.Token).ConfigureAwait(false);
                blockSeen = true;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CniFailure(
                CniErrorCodes.InterfaceSetupFailed,
                $"migration target {request.PodNamespace}/{request.PodName}: Southbound Port_Binding {portName} does not list chassis {ChassisName} in additional_chassis (or chassis), or ovn-controller has not installed its activation block, after {options.OvnInstalledTimeout.TotalSeconds:0}s",
                HttpStatusCode.ServiceUnavailable,
                "the controller sets requested-chassis=<source>,<target> on the port; ovn-controller on this node claims it as additional chassis");
        }
        catch (InvalidOperationException e)
        {
            throw new CniFailure(
                CniErrorCodes.InterfaceSetupFailed,
                $"migration target {request.PodNamespace}/{request.PodName}: reading the activation block of port {portName} on chassis {ChassisName}: {e.Message}",
                HttpStatusCode.ServiceUnavailable);
        }
        catch (OvsdbException e)
        {
            throw new CniFailure(
                CniErrorCodes.InterfaceSetupFailed,
                $"migration target {request.PodNamespace}/{request.PodName}: reading Southbound Port_Binding {portName} for chassis {ChassisName} at {remote} failed: {e.Message}",
                HttpStatusCode.ServiceUnavailable);
        }

        var boundMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await PodInterfaceConfigurator.AddAddressingAsync(addressed, cancellationToken).ConfigureAwait(false);
        logger.LogInformation(
            "migration target {Namespace}/{Pod}: port {Port} listed for chassis {Chassis} in the Southbound (activation block installed: {Blocked}) after {BoundMs:F1} ms more; addresses {Addresses} added",
            request.PodNamespace, request.PodName, portName, ChassisName, blockSeen, boundMs, string.Join(",", addressed.Addresses));
    }
}
