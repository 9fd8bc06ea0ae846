using VmNet.Cni;

namespace VmNet.Daemon.Dpdk;

/// <summary>
/// The daemon's ADD/DEL for a VM's vhost-user NIC: checks the node (DPDK), the pod's socket volume and the
/// socket path, creates the <c>dpdkvhostuserclient</c> port and answers with the interface whose
/// <c>socketPath</c> tells the runtime where QEMU must create its socket. There is no netns work and no
/// routes: the guest configures its own addresses. A failure leaves no port behind.
/// </summary>
public sealed class VhostUserAttachment(VhostUserPorts ports, string kubeletPodsDirectory, string shareRoot = VhostUserSocket.DefaultShareRoot)
{
    /// <summary>external_ids key recording the socket path on the Interface (what DEL and GC read back).</summary>
    public const string SocketPathKey = "vmnet.io/vhost-user-socket";

    /// <summary>external_ids key recording the pod-side interface name (CNI_IFNAME) the NIC serves.</summary>
    public const string IfNameKey = "vmnet.io/if-name";

    /// <summary>external_ids key recording the share link, removed on DEL.</summary>
    public const string ShareDirectoryKey = "vmnet.io/vhost-user-share";

    public VhostUserPorts Ports => ports;

    public async Task<CniInterface> AddAsync(VhostUserAttachRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var socket = VhostUserSocket.Resolve(kubeletPodsDirectory, shareRoot, request.PodUid, request.SocketVolumeName, request.SocketName, request.SocketConsumption, request.IfName);
        if (ports.Capability().MissingReason() is { } reason)
        {
            throw new VhostUserException("node", $"pod {request.PodNamespace}/{request.PodName} asks for vhost-user NIC {request.IfName} but {reason}") { IsBadRequest = false };
        }

        socket.EnsureVolumeExists(request.PodNamespace + "/" + request.PodName);
        var ids = new Dictionary<string, string>(request.ExternalIds, StringComparer.Ordinal)
        {
            ["pod_name"] = request.PodName,
            ["pod_namespace"] = request.PodNamespace,
            ["vmnet.io/container-id"] = request.ContainerId,
            [IfNameKey] = request.IfName,
            [SocketPathKey] = socket.Path,
            [ShareDirectoryKey] = socket.ShareDirectory,
        };
        try
        {
            VhostUserShareLink.Ensure(socket);
            await ports.AddAsync(
                new VhostUserPortSpec { Name = request.PortName, IfaceId = request.IfaceId, SocketPath = socket.Path, Mtu = request.Mtu, ExternalIds = ids },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not VhostUserException)
        {
            await ports.RemoveAsync(request.PortName, CancellationToken.None).ConfigureAwait(false);
            VhostUserShareLink.Remove(socket.ShareDirectory);
            throw;
        }
        catch (VhostUserException)
        {
            VhostUserShareLink.Remove(socket.ShareDirectory);
            throw;
        }

        return new CniInterface { Name = request.IfName, Mac = request.Mac, Mtu = request.Mtu, SocketPath = socket.VolumeSocketPath };
    }

    /// <summary>Removes the port only if it is a vhost-user port (the shared DEL path also sees veth ports); true when it was one.</summary>
    public async Task<bool> DelIfVhostUserAsync(string portName, CancellationToken cancellationToken)
    {
        if (ports.FindInterface(portName)?.Type != DpdkCapability.VhostUserClientType)
        {
            return false;
        }

        await DelAsync(portName, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Removes the port and its share link; succeeds when they are already gone. The socket file belongs to QEMU
    /// and the volume to kubelet.
    /// </summary>
    public async Task<bool> DelAsync(string portName, CancellationToken cancellationToken)
    {
        var share = ports.FindInterface(portName)?.ExternalIds.GetValueOrDefault(ShareDirectoryKey);
        var removed = await ports.RemoveAsync(portName, cancellationToken).ConfigureAwait(false);
        if (share is not null)
        {
            VhostUserShareLink.Remove(share);
        }

        return removed;
    }
}
