using System.Net;
using Microsoft.Extensions.Logging;
using VmNet.Cni;
using VmNet.Daemon.Dpdk;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Errors;

namespace VmNet.Daemon.Cni;

/// <summary>
/// The vhost-user branch of ADD/CHECK/DEL (Dpdk/README.md): a NAD with vhost_user_socket_* keys gets a
/// dpdkvhostuserclient port named like a veth host end (so DEL and GC find it by the same name), no netns work,
/// and a result whose interface carries the socket path.
/// </summary>
public sealed partial class CniHandler
{
    private VhostUserAttachment? vhostUser;

    private VhostUserAttachment VhostUser =>
        vhostUser ??= new VhostUserAttachment(new VhostUserPorts(ports.Client, options.IntegrationBridge), options.KubeletPodsDirectory, options.VhostUserShareRoot);

    private static bool IsVhostUser(DaemonRequest request) =>
        VhostUserAttachRequest.IsVhostUser(request.VhostUserSocketVolumeName, request.VhostUserSocketName, request.VhostUserSocketConsumption);

    private async Task<CniResult> AddVhostUserAsync(DaemonRequest request, V1Pod pod, PodNetwork network, CancellationToken cancellationToken)
    {
        var hostName = VethNames.HostSide(request.ContainerId, request.IfName);
        var portName = PortNames.ForPod(network.VirtualMachine ?? request.PodName, request.PodNamespace, request.Provider);
        var uid = pod.Metadata?.Uid;
        if (string.IsNullOrEmpty(uid))
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidNetworkConfig, $"pod {request.PodNamespace}/{request.PodName} has no metadata.uid: its vhost-user volume cannot be located");
        }

        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OvsExternalIds.Vendor] = OvsExternalIds.VendorValue,
            [OvsExternalIds.PodNetns] = request.NetNs,
            [OvsExternalIds.Provider] = request.Provider,
        };
        if (network.Addresses.Count > 0)
        {
            ids[OvsExternalIds.Ip] = string.Join(",", network.Addresses.Select(a => a.Address));
        }

        CniInterface nic;
        try
        {
            nic = await VhostUser.AddAsync(
                new VhostUserAttachRequest
                {
                    PodNamespace = request.PodNamespace,
                    PodName = request.PodName,
                    PodUid = uid,
                    ContainerId = request.ContainerId,
                    IfName = request.IfName,
                    PortName = hostName,
                    IfaceId = portName,
                    Mac = network.Mac,
                    Mtu = request.Mtu ?? options.EffectivePodMtu,
                    SocketVolumeName = request.VhostUserSocketVolumeName,
                    SocketName = request.VhostUserSocketName,
                    SocketConsumption = request.VhostUserSocketConsumption,
                    ExternalIds = ids,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (VhostUserException e)
        {
            throw new CniFailure(e.CniCode, e.Message, e.IsBadRequest ? HttpStatusCode.BadRequest : HttpStatusCode.InternalServerError, "field " + e.Field);
        }
        catch (Exception e) when (e is OvsdbException or InvalidOperationException)
        {
            throw CniFailure.SetupFailed($"creating vhost-user port {hostName} as {portName} failed: {e.Message}", e);
        }

        try
        {
            // ovn-controller binds the port before the VM opens the socket: this is "flows installed", not "NIC connected"
            // (that is the Interface link_state, VhostUserPorts.WaitConnectedAsync).
            await WaitInstalledAsync(hostName, portName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await VhostUser.DelAsync(hostName, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        logger.LogInformation(
            "ADD {Namespace}/{Pod} {IfName} container {ContainerId}: vhost-user port {HostName} ({Port}) socket {Socket}",
            request.PodNamespace, request.PodName, request.IfName, request.ContainerId, hostName, portName, nic.SocketPath);
        return new CniResult
        {
            Interfaces = [nic],
            Ips = network.Addresses.Select(a => new CniIpConfig
            {
                Address = a.ToString(),
                Gateway = network.Gateways.FirstOrDefault(g => g.AddressFamily == a.Address.AddressFamily)?.ToString(),
                Interface = 0,
            }).ToList(),
            Routes = [],
            Dns = request.Dns is { IsEmpty: false } dns ? dns : null,
        };
    }

    /// <summary>CHECK for a vhost-user NIC: the port exists with the right type and iface-id (the VM may not be running yet).</summary>
    private async Task CheckVhostUserAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var hostName = VethNames.HostSide(request.ContainerId, request.IfName);
        var iface = VhostUser.Ports.FindInterface(hostName);
        if (iface?.Type != DpdkCapability.VhostUserClientType)
        {
            throw new CniFailure(CniErrorCodes.InterfaceSetupFailed, $"vhost-user port {hostName} of container {request.ContainerId} {request.IfName} does not exist");
        }

        var expected = await ExpectedAddressesAsync(request, cancellationToken).ConfigureAwait(false);
        if (iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) != expected.PortName)
        {
            throw new CniFailure(CniErrorCodes.InterfaceSetupFailed, $"vhost-user port {hostName} has iface-id '{iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId)}', expected '{expected.PortName}'");
        }
    }
}
