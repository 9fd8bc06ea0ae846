using Microsoft.Extensions.Logging;
using VmNet.Daemon.Node;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Cni;

/// <summary>
/// The daemon side of the CNI commands (PROTOCOL.md). One instance per daemon; calls for different
/// containers run concurrently, calls for the same container interface one after the other.
/// </summary>
public sealed partial class CniHandler(
    DaemonOptions options,
    IKubeClient kube,
    HostNetwork host,
    OvsPorts ports,
    NodeStatus status,
    VmNet.Daemon.Sriov.SriovPodAttachments sriov,
    PrePlugs prePlugs,
    NodePods nodePods,
    ILogger<CniHandler> logger)
{
    private readonly ContainerLocks locks = new();
    private readonly ObjectWatcher<V1Pod> podWatcher = new(kube);
    private readonly PodInterfaceConfigurator interfaces = new(host);

    private static string LockKey(string containerId, string ifName) => containerId + "/" + ifName;
}
