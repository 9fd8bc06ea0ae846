namespace VmNet.Daemon.Dpdk;

/// <summary>
/// The short path OVS connects through: <c>&lt;share root&gt;/&lt;uid&gt;/&lt;volume&gt;</c> is a symlink to the pod's
/// emptyDir volume (connect(2) on a unix socket path follows symlinks). Kube-OVN bind-mounts instead; a symlink
/// needs no mount propagation into ovs-vswitchd's mount namespace, but OVS must see the kubelet pods directory at
/// the same path (hostPath mount when OVS runs in a container).
/// </summary>
public static class VhostUserShareLink
{
    /// <summary>Creates (or repoints) the link; the share root and the per-pod directory are created if missing.</summary>
    public static void Ensure(VhostUserSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var podDir = Path.GetDirectoryName(socket.ShareDirectory)!;
        Directory.CreateDirectory(podDir);
        var existing = new FileInfo(socket.ShareDirectory);
        if (existing.LinkTarget == socket.VolumeDirectory)
        {
            return;
        }

        if (existing.LinkTarget is not null)
        {
            existing.Delete();
        }
        else if (Directory.Exists(socket.ShareDirectory))
        {
            throw new VhostUserException("vhost_user_socket_volume_name", $"{socket.ShareDirectory} already exists and is not a link to volume {socket.VolumeName}");
        }

        Directory.CreateSymbolicLink(socket.ShareDirectory, socket.VolumeDirectory);
    }

    /// <summary>Removes the link and the per-pod directory when nothing else is in it (another NIC of the pod may still use it).</summary>
    public static void Remove(string shareDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(shareDirectory);
        var link = new FileInfo(shareDirectory);
        if (link.LinkTarget is not null)
        {
            link.Delete();
        }

        var podDir = Path.GetDirectoryName(shareDirectory)!;
        if (Directory.Exists(podDir) && !Directory.EnumerateFileSystemEntries(podDir).Any())
        {
            Directory.Delete(podDir);
        }
    }
}
