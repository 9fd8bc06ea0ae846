using System.Net;
using System.Net.NetworkInformation;
using VmNet.Cni;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Cni;

public sealed partial class CniHandler
{
    /// <summary>CHECK: the veth, the pod interface's addresses and the OVS port bound to the pod's logical port are all there.</summary>
    public async Task CheckAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        AddRequestValidator.Validate(request, needsNetns: true);
        if (request.IpamOnly)
        {
            return;
        }

        using var held = await locks.AcquireAsync(LockKey(request.ContainerId, request.IfName), cancellationToken).ConfigureAwait(false);
        if (IsVhostUser(request))
        {
            await CheckVhostUserAsync(request, cancellationToken).ConfigureAwait(false);
            return;
        }

        var hostName = AttachmentHostName(request.ContainerId, request.IfName);
        var iface = ports.FindInterface(hostName)
            ?? throw new CniFailure(CniErrorCodes.InterfaceSetupFailed, $"OVS port {hostName} of container {request.ContainerId} {request.IfName} does not exist", HttpStatusCode.InternalServerError);
        var expected = await ExpectedAddressesAsync(request, cancellationToken).ConfigureAwait(false);
        var spec = new PodInterfaceSpec
        {
            NetnsPath = request.NetNs,
            IfName = request.IfName,
            HostName = hostName,
            Mac = PhysicalAddress.None,
            Mtu = 0,
            Addresses = expected.Addresses,
            Routes = [],
        };
        // A VF left for a VM has no pod interface: only its representor is ours to check.
        var vfForVm = VmNet.Daemon.Sriov.SriovPortState.FromExternalIds(iface.ExternalIds) is { VfInPod: false };
        var problem = vfForVm
            ? await host.Links.TryGetLinkAsync(hostName, cancellationToken).ConfigureAwait(false) is null ? $"VF representor {hostName} does not exist" : null
            : await interfaces.VerifyAsync(spec, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            throw new CniFailure(CniErrorCodes.InterfaceSetupFailed, problem);
        }

        if (iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId) != expected.PortName)
        {
            throw new CniFailure(CniErrorCodes.InterfaceSetupFailed, $"OVS interface {hostName} has iface-id '{iface.ExternalIds.GetValueOrDefault(OvsExternalIds.IfaceId)}', expected '{expected.PortName}'");
        }
    }

    private async Task<(IReadOnlyList<InterfaceAddress> Addresses, string PortName)> ExpectedAddressesAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        V1Pod pod;
        try
        {
            pod = await kube.GetAsync<V1Pod>(request.PodNamespace, request.PodName, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            throw new CniFailure(CniErrorCodes.PodNotFound, $"pod {request.PodNamespace}/{request.PodName} not found", HttpStatusCode.NotFound);
        }

        var network = Parse(pod, request.Provider, request.IfName, out var missing)
            ?? throw new CniFailure(CniErrorCodes.AddressNotAllocated, $"pod {request.PodNamespace}/{request.PodName}: annotation {missing} not set");
        return (network.Addresses, PortNames.ForPod(network.VirtualMachine ?? request.PodName, request.PodNamespace, network.Provider));
    }
}
