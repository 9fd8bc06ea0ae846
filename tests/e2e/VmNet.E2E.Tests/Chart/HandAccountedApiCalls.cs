using VmNet.Kube;

namespace VmNet.E2E.Chart;

/// <summary>
/// The permissions behind client calls whose resource the source does not name (<see cref="KubeApiUsage.FilesWithUnnamedResources"/>),
/// worked out by reading each file. A new such file fails the RBAC tests until it is added here.
/// </summary>
public static class HandAccountedApiCalls
{
    public static readonly IReadOnlyDictionary<string, Grant[]> Controller = new Dictionary<string, Grant[]>(StringComparer.Ordinal)
    {
        // CreateIfMissingAsync of the default Vpc, the default Subnet and the join Subnet.
        ["Hosting/DefaultResources.cs"] = [Kubeovn("subnets", "create"), Kubeovn("vpcs", "create")],
        // PatchAsync<T> of the finalizer; called by SubnetReconciler and VpcReconciler.
        ["Hosting/Finalizers.cs"] = [Kubeovn("subnets", "patch"), Kubeovn("vpcs", "patch")],
        // CreateAsync of a V1IP.
        ["Ips/IpWriter.cs"] = [Kubeovn("ips", "create")],
        // ReplaceAsync of the formatted V1Subnet spec.
        ["Subnets/SubnetReconciler.cs"] = [Kubeovn("subnets", "update")],
        // CreateAsync and ReplaceAsync of the V1Lease.
        ["Runtime/LeaderElection/KubeLeaseLock.cs"] = [Of(KubeResources.Leases, "create"), Of(KubeResources.Leases, "update")],
        // CreateAsync of a CoreV1Event.
        ["Runtime/Events/EventRecorder.cs"] = [Of(KubeResources.Events, "create")],
        // Informer plumbing: ListAsync<T>/WatchAsync<T> of the resources named by InformerOptions<T>(...).
        ["Runtime/Kube/KubeListWatcher.cs"] = [],
    };

    public static readonly IReadOnlyDictionary<string, Grant[]> Daemon = new Dictionary<string, Grant[]>(StringComparer.Ordinal)
    {
        // ReplaceStatusAsync of the V1Node (NetworkUnavailable condition).
        ["Node/JoinGatewayCheck.cs"] = [Of(KubeResources.Nodes, "update", "/status")],
        // GetAsync<T>/WatchAsync<T> of the resources named by ObjectWatcher<T> uses.
        ["Pods/ObjectWatcher.cs"] = [],
    };

    private static Grant Kubeovn(string resource, string verb) => new(KubeInfo.KubeOvnGroup, resource, verb);

    private static Grant Of(KubeResource resource, string verb, string subresource = "") => new(resource.Group, resource.Plural + subresource, verb);
}
