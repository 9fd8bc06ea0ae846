namespace VmNet.Daemon.Dpdk;

/// <summary>
/// Where the vhost-user socket of one NIC lives: inside the pod's emptyDir volume that the launcher pod (QEMU,
/// the vhost-user server) shares with the node, as
/// <c>&lt;kubelet&gt;/pods/&lt;uid&gt;/volumes/kubernetes.io~empty-dir/&lt;volume&gt;/&lt;socket&gt;</c>.
/// Every name is a single path component and the resolved path must stay under the kubelet pods directory:
/// nothing in the netconf can point OVS at another file.
/// </summary>
public sealed record VhostUserSocket(string VolumeName, string SocketName, string VolumeDirectory, string Path)
{
    /// <summary>The volume name KubeVirt uses for vhost-user sockets (forced for consumption "kubevirt", as Kube-OVN does).</summary>
    public const string KubeVirtVolumeName = "vhostuser-sockets";

    public const string KubeVirtConsumption = "kubevirt";

    /// <summary>sun_path is 108 bytes including the terminating NUL.</summary>
    public const int MaxSocketPathLength = 107;

    private const string EmptyDirPlugin = "kubernetes.io~empty-dir";

    /// <summary>Resolves and checks the socket path; throws <see cref="VhostUserException"/> naming the bad field.</summary>
    /// <param name="kubeletPodsDirectory">e.g. /var/lib/kubelet/pods.</param>
    /// <param name="podUid">The pod's metadata.uid.</param>
    /// <param name="volumeName">Netconf vhost_user_socket_volume_name.</param>
    /// <param name="socketName">Netconf vhost_user_socket_name.</param>
    /// <param name="consumption">Netconf vhost_user_socket_consumption ("kubevirt" or null).</param>
    /// <param name="ifName">CNI_IFNAME: the socket name for KubeVirt (it names QEMU's socket after the pod interface).</param>
    public static VhostUserSocket Resolve(string kubeletPodsDirectory, string podUid, string? volumeName, string? socketName, string? consumption, string ifName)
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

        var root = System.IO.Path.GetFullPath(kubeletPodsDirectory);
        var volumeDir = System.IO.Path.Combine(root, podUid, "volumes", EmptyDirPlugin, volume!);
        var path = System.IO.Path.Combine(volumeDir, socket!);
        if (!System.IO.Path.GetFullPath(path).StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new VhostUserException("vhost_user_socket_name", $"vhost-user socket path {path} is outside {root}");
        }

        if (path.Length > MaxSocketPathLength)
        {
            throw new VhostUserException("vhost_user_socket_name", $"vhost-user socket path {path} is {path.Length} characters; a unix socket path has at most {MaxSocketPathLength}");
        }

        return new VhostUserSocket(volume!, socket!, volumeDir, path);
    }

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
