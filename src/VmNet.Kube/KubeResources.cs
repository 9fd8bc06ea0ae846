namespace VmNet.Kube;

/// <summary>The resources VmNet talks to.</summary>
public static class KubeResources
{
    public static readonly KubeResource Pods = new("", "v1", "pods", "Pod", Namespaced: true);
    public static readonly KubeResource Namespaces = new("", "v1", "namespaces", "Namespace", Namespaced: false);
    public static readonly KubeResource Nodes = new("", "v1", "nodes", "Node", Namespaced: false);
    public static readonly KubeResource Services = new("", "v1", "services", "Service", Namespaced: true);
    public static readonly KubeResource Events = new("", "v1", "events", "Event", Namespaced: true);
    public static readonly KubeResource EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", Namespaced: true);
    public static readonly KubeResource NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", Namespaced: true);
    public static readonly KubeResource Leases = new("coordination.k8s.io", "v1", "leases", "Lease", Namespaced: true);
    public static readonly KubeResource CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false);

    public static readonly KubeResource VirtualMachines = new(KubeInfo.KubeVirtGroup, "v1", "virtualmachines", "VirtualMachine", Namespaced: true);
    public static readonly KubeResource VirtualMachineInstances = new(KubeInfo.KubeVirtGroup, "v1", "virtualmachineinstances", "VirtualMachineInstance", Namespaced: true);
    public static readonly KubeResource VirtualMachineInstanceMigrations = new(KubeInfo.KubeVirtGroup, "v1", "virtualmachineinstancemigrations", "VirtualMachineInstanceMigration", Namespaced: true);

    public static readonly KubeResource NetworkAttachmentDefinitions = new(KubeInfo.MultusGroup, "v1", "network-attachment-definitions", "NetworkAttachmentDefinition", Namespaced: true);

    public static readonly KubeResource Subnets = new(KubeInfo.KubeOvnGroup, "v1", "subnets", "Subnet", Namespaced: false);
    public static readonly KubeResource Ips = new(KubeInfo.KubeOvnGroup, "v1", "ips", "IP", Namespaced: false);
    public static readonly KubeResource Vpcs = new(KubeInfo.KubeOvnGroup, "v1", "vpcs", "Vpc", Namespaced: false);

    /// <summary>Every resource above, e.g. for an API server that serves them all.</summary>
    public static IReadOnlyList<KubeResource> All { get; } =
    [
        Pods, Namespaces, Nodes, Services, Events, EndpointSlices, NetworkPolicies, Leases, CustomResourceDefinitions,
        VirtualMachines, VirtualMachineInstances, VirtualMachineInstanceMigrations, NetworkAttachmentDefinitions,
        Subnets, Ips, Vpcs,
    ];
}
