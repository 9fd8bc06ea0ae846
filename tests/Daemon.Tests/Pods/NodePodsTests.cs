using VmNet.Daemon.Pods;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Tests.Pods;

public sealed class NodePodsTests
{
    private static V1Pod Pod(string name, string uid) =>
        new() { Metadata = new V1ObjectMeta { Namespace = "default", Name = name, Uid = uid } };

    [Fact]
    public void FindsAPodOnlyUnderTheUidKubeletNames()
    {
        var pods = new NodePods();
        pods.Seen(Pod("a", "uid-1"));
        Assert.NotNull(pods.Find("default", "a", "uid-1"));
        Assert.Null(pods.Find("default", "a", "uid-2"));
        Assert.Null(pods.Find("default", "a", ""));
        Assert.Null(pods.Find("default", "a", null));
        Assert.Null(pods.Find("other", "a", "uid-1"));

        // The same name re-created: the newer pod replaces the older.
        pods.Seen(Pod("a", "uid-2"));
        Assert.Null(pods.Find("default", "a", "uid-1"));
        Assert.NotNull(pods.Find("default", "a", "uid-2"));

        pods.Forget("default", "a");
        Assert.Null(pods.Find("default", "a", "uid-2"));
    }

    [Fact]
    public void ARelistKeepsExactlyTheListedPods()
    {
        var pods = new NodePods();
        pods.Seen(Pod("gone", "u1"));
        pods.Seen(Pod("kept", "u2"));
        pods.ReplaceAll([Pod("kept", "u3"), Pod("new", "u4")]);
        Assert.Equal(2, pods.Count);
        Assert.Null(pods.Find("default", "gone", "u1"));
        Assert.NotNull(pods.Find("default", "kept", "u3"));
        Assert.NotNull(pods.Find("default", "new", "u4"));
    }
}
