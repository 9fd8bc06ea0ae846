// Binds each generated top-level model to its REST resource; the generated classes are partial, so the
// interfaces are added here rather than by editing generated code.
namespace VmNet.Kube.Models;

public partial class V1Pod : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Pods;
}

public partial class V1Namespace : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Namespaces;
}

public partial class V1Node : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Nodes;
}

public partial class V1Service : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Services;
}

public partial class CoreV1Event : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Events;
}

public partial class V1EndpointSlice : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.EndpointSlices;
}

public partial class V1NetworkPolicy : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.NetworkPolicies;
}

public partial class V1Lease : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Leases;
}

public partial class V1CustomResourceDefinition : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.CustomResourceDefinitions;
}

public partial class V1VirtualMachine : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.VirtualMachines;
}

public partial class V1VirtualMachineInstance : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.VirtualMachineInstances;
}

public partial class V1VirtualMachineInstanceMigration : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.VirtualMachineInstanceMigrations;
}

public partial class V1NetworkAttachmentDefinition : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.NetworkAttachmentDefinitions;
}

public partial class V1Subnet : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Subnets;
}

public partial class V1IP : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Ips;
}

public partial class V1Vpc : IKubeResourceObject
{
    public static KubeResource Resource => KubeResources.Vpcs;
}
