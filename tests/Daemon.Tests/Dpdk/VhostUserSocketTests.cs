using VmNet.Daemon.Dpdk;

namespace VmNet.Daemon.Tests.Dpdk;

public sealed class VhostUserSocketTests
{
    private const string Pods = "/var/lib/kubelet/pods";
    private const string Share = "/run/openvswitch/vhost_sockets";
    private const string Uid = "0b3c5e2a-1d4f-4a7e-9c1b-2f6d8e0a1b2c";

    [Fact]
    public void SocketIsInsideThePodsEmptyDirVolume()
    {
        var socket = VhostUserSocket.Resolve(Pods, Share, Uid, "vhostuser-sockets", "sock", null, "net1");
        Assert.Equal($"{Pods}/{Uid}/volumes/kubernetes.io~empty-dir/vhostuser-sockets/sock", socket.VolumeSocketPath);
        Assert.Equal($"{Share}/{Uid}/vhostuser-sockets/sock", socket.Path);
        Assert.True(socket.Path.Length <= VhostUserSocket.MaxSocketPathLength);
        Assert.Equal($"{Pods}/{Uid}/volumes/kubernetes.io~empty-dir/vhostuser-sockets", socket.VolumeDirectory);
    }

    [Fact]
    public void KubeVirtConsumptionNamesTheSocketAfterTheInterfaceAndForcesTheVolume()
    {
        var socket = VhostUserSocket.Resolve(Pods, Share, Uid, "other", "ignored", "kubevirt", "pod16367aacb67");
        Assert.Equal("vhostuser-sockets", socket.VolumeName);
        Assert.Equal("pod16367aacb67", socket.SocketName);
        Assert.EndsWith("/vhostuser-sockets/pod16367aacb67", socket.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..", "sock", "vhost_user_socket_volume_name")]
    [InlineData("vol", "../../../../etc/passwd", "vhost_user_socket_name")]
    [InlineData("vol/../..", "sock", "vhost_user_socket_volume_name")]
    [InlineData("vol", ".", "vhost_user_socket_name")]
    [InlineData(null, "sock", "vhost_user_socket_volume_name")]
    [InlineData("vol", "", "vhost_user_socket_name")]
    public void PathTraversalAndMissingNamesAreRejectedNamingTheField(string? volume, string? name, string field)
    {
        var e = Assert.Throws<VhostUserException>(() => VhostUserSocket.Resolve(Pods, Share, Uid, volume, name, null, "net1"));
        Assert.Equal(field, e.Field);
        Assert.True(e.IsBadRequest);
        Assert.Equal(7, e.CniCode);
    }

    [Fact]
    public void PodUidWithSlashIsRejected()
    {
        var e = Assert.Throws<VhostUserException>(() => VhostUserSocket.Resolve(Pods, Share, "../x", "vol", "sock", null, "net1"));
        Assert.Equal("pod uid", e.Field);
    }

    [Fact]
    public void UnknownConsumptionIsRejected()
    {
        var e = Assert.Throws<VhostUserException>(() => VhostUserSocket.Resolve(Pods, Share, Uid, "vol", "sock", "libvirt", "net1"));
        Assert.Equal("vhost_user_socket_consumption", e.Field);
        Assert.Contains("libvirt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongForAUnixSocketPathIsRejected()
    {
        var e = Assert.Throws<VhostUserException>(() => VhostUserSocket.Resolve(Pods, "/very/long/share/root/directory/that/is/deep", Uid, "vhostuser-sockets", new string('s', 40), null, "net1"));
        Assert.Contains("at most 107", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingVolumeDirectoryIsReportedWithPodAndVolume()
    {
        var root = Path.Combine(Path.GetTempPath(), "vmnet-vhu-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var socket = VhostUserSocket.Resolve(root, Path.Combine(root, "share"), "uid1", "vhostuser-sockets", "sock", null, "net1");
            var e = Assert.Throws<VhostUserException>(() => socket.EnsureVolumeExists("ns/pod"));
            Assert.Contains("cannot find emptyDir volume vhostuser-sockets in pod ns/pod", e.Message, StringComparison.Ordinal);

            Directory.CreateDirectory(Path.Combine(root, "elsewhere"));
            Directory.CreateDirectory(Path.GetDirectoryName(socket.VolumeDirectory)!);
            Directory.CreateSymbolicLink(socket.VolumeDirectory, Path.Combine(root, "elsewhere"));
            e = Assert.Throws<VhostUserException>(() => socket.EnsureVolumeExists("ns/pod"));
            Assert.Contains("symlink", e.Message, StringComparison.Ordinal);

            Directory.Delete(socket.VolumeDirectory);
            Directory.CreateDirectory(socket.VolumeDirectory);
            socket.EnsureVolumeExists("ns/pod");

            VhostUserShareLink.Ensure(socket);
            VhostUserShareLink.Ensure(socket);
            Assert.Equal(socket.VolumeDirectory, new FileInfo(socket.ShareDirectory).LinkTarget);
            VhostUserShareLink.Remove(socket.ShareDirectory);
            Assert.False(Directory.Exists(Path.GetDirectoryName(socket.ShareDirectory)));
            Assert.True(Directory.Exists(socket.VolumeDirectory));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
