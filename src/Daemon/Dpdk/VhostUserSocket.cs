namespace VmNet.Daemon.Dpdk;

/// <summary>
/// Where the vhost-user socket of one NIC lives. QEMU (the vhost-user server, in the launcher pod) creates it in
/// the pod's emptyDir volume, on the host
/// <c>&lt;kubelet&gt;/pods/&lt;uid&gt;/volumes/kubernetes.io~empty-dir/&lt;volume&gt;/&lt;socket&gt;</c>
/// (<see cref="VolumeSocketPath"/>). That is longer than a unix socket path may be (108 bytes), so OVS connects
/// through a short share entry <c>&lt;share root&gt;/&lt;uid&gt;/&lt;volume&gt;</c> that points at the volume
/// (<see cref="VhostUserShareLink"/>), as Kube-OVN's /run/openvswitch/vhost_sockets does: <see cref="Path"/>.
/// Every name is a single path component and both paths stay under their roots: nothing in the netconf can point
/// OVS at another file.
/// </summary>
public sealed record VhostUserSocket(string VolumeName, string SocketName, string VolumeDirectory, string ShareDirectory, string Path)
{
    /// <summary>Kube-OVN's share root; OVS (client) opens sockets below it.</summary>
    public const string DefaultShareRoot = "/run/openvswitch/vhost_sockets";

    /// <summary>The volume name KubeVirt uses for vhost-user sockets (forced for consumption "kubevirt", as Kube-OVN does).</summary>
    public const string KubeVirtVolumeName = "vhostuser-sockets";

    public const string KubeVirtConsumption = "kubevirt";

    /// <summary>sun_path is 108 bytes including the terminating NUL.</summary>
    public const int MaxSocketPathLength = 107;

    private const string EmptyDirPlugin = "kubernetes.io~empty-dir";

    /// <summary>Resolves and checks the socket path; throws <see cref="VhostUserException"/> naming the bad field.</summary>
    /// <param name="kubeletPodsDirectory">e.g. /var/lib/kubelet/pods.</param>
    /// <param name="shareRoot">e.g. <see cref="DefaultShareRoot"/>.</param>
    /// <param name="podUid">The pod's metadata.uid.</param>
    /// <param name="volumeName">Netconf vhost_user_socket_volume_name.</param>
    /// <param name="socketName">Netconf vhost_user_socket_name.</param>
    /// <param name="consumption">Netconf vhost_user_socket_consumption ("kubevirt" or null).</param>
    /// <param name="ifName">CNI_IFNAME: the socket name for KubeVirt (it names QEMU's socket after the pod interface).</param>
    public static VhostUserSocket Resolve(string kubeletPodsDirectory, string shareRoot, string podUid, string? volumeName, string? socketName, string? consumption, string ifName)
    {
        ArgumentException.ThrowIfNullOrEmpty(kubeletPodsDirectory);
        var kubevirt = consumption == KubeVirtConsumption;
        if (consumption is not null && !kubevirt)
        {
            throw new VhostUserException("vhost_user_socket_consumption", $"vhost_user_socket_consumption \"{consumption}\" is not supported (only \"{KubeVirtConsumption}\")");
        }

        var volume = kubevirt ? KubeVirtVolumeName : volumeName;
        var socket = kubevirt ? ifName : socketName;
        CheckComponent("vhost_user_socket_volume_name", volume);
        CheckComponent(kubevirt ? "CNI_IFNAME" : "vhost_user_socket_name", socket);
        CheckComponent("pod uid", podUid);

        ArgumentException.ThrowIfNullOrEmpty(shareRoot);
        var root = System.IO.Path.GetFullPath(kubeletPodsDirectory);
        var share = System.IO.Path.GetFullPath(shareRoot);
        var volumeDir = System.IO.Path.Combine(root, podUid, "volumes", EmptyDirPlugin, volume!);
        var shareDir = System.IO.Path.Combine(share, podUid, volume!);
        var path = System.IO.Path.Combine(shareDir, socket!);
        if (!System.IO.Path.GetFullPath(path).StartsWith(share + "/", StringComparison.Ordinal)
            || !System.IO.Path.GetFullPath(volumeDir).StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new VhostUserException("vhost_user_socket_name", $"vhost-user socket path {path} is outside {share}");
        }

        if (path.Length > MaxSocketPathLength)
        {
            throw new VhostUserException("vhost_user_socket_name", $"vhost-user socket path {path} is {path.Length} characters; a unix socket path has at most {MaxSocketPathLength}");
        }

        return new VhostUserSocket(volume!, socket!, volumeDir, shareDir, path);
    }

    /// <summary>The socket as the pod's volume holds it (what QEMU creates; the CNI result's socketPath).</summary>
    public string VolumeSocketPath => System.IO.Path.Combine(VolumeDirectory, SocketName);

    /// <summary>
    /// The volume must be an emptyDir of the pod (kubelet creates it before CNI ADD), a real directory and not a
    /// symlink that could lead elsewhere. <paramref name="podName"/> is only for the message.
    /// </summary>
    public void EnsureVolumeExists(string podName)
    {
        var info = new DirectoryInfo(VolumeDirectory);
        if (!info.Exists)
        {
            throw new VhostUserException("vhost_user_socket_volume_name", $"cannot find emptyDir volume {VolumeName} in pod {podName} (no {VolumeDirectory})");
        }

        if (info.LinkTarget is not null)
        {
            throw new VhostUserException("vhost_user_socket_volume_name", $"volume {VolumeName} of pod {podName} is a symlink ({VolumeDirectory} -> {info.LinkTarget}), not an emptyDir");
        }
    }

    private static void CheckComponent(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new VhostUserException(field, $"{field} is required for a vhost-user NIC");
        }

        if (value is "." or ".." || value.Contains('/', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal) || value.Length > 63)
        {
            throw new VhostUserException(field, $"{field} \"{value}\" must be a single path component (no '/', not '.' or '..', at most 63 characters)");
        }
    }
}
