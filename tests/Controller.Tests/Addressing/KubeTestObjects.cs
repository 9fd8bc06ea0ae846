using System.Text.Json.Nodes;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>Builders for the Kubernetes objects the addressing tests create.</summary>
public static class KubeTestObjects
{
    public static V1Subnet Subnet(string name, string cidr, IEnumerable<string>? namespaces = null, IEnumerable<string>? excludeIps = null) => new()
    {
        ApiVersion = "kubeovn.io/v1",
        Kind = "Subnet",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1SubnetSpec { CidrBlock = cidr, Provider = "ovn", Vpc = "ovn-cluster", Namespaces = namespaces?.ToList(), ExcludeIps = excludeIps?.ToList() },
    };

    public static V1Pod Pod(string ns, string name, string? node = "node-1", Dictionary<string, string>? annotations = null, V1OwnerReference? owner = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Namespace = ns,
            Annotations = annotations,
            OwnerReferences = owner is null ? null : [owner],
        },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    /// <summary>A virt-launcher pod as KubeVirt creates it: owned by the VMI, template annotations copied.</summary>
    public static V1Pod Launcher(string ns, string vm, string podName, string? node = "node-1", Dictionary<string, string>? annotations = null, string? vmiUid = null) =>
        Pod(ns, podName, node, annotations, new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = vm, Uid = vmiUid ?? Guid.NewGuid().ToString(), Controller = true });

    public static V1VirtualMachine Vm(string ns, string name, Dictionary<string, string>? templateAnnotations = null) => new()
    {
        ApiVersion = "kubevirt.io/v1",
        Kind = "VirtualMachine",
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1VirtualMachineSpec
        {
            RunStrategy = "Always",
            Template = new V1VirtualMachineInstanceTemplateSpec { Metadata = new V1ObjectMeta { Annotations = templateAnnotations }, Spec = new V1VirtualMachineInstanceSpec() },
        },
    };

    public static V1VirtualMachineInstance Vmi(string ns, string name, string? vmUid = null) => new()
    {
        ApiVersion = "kubevirt.io/v1",
        Kind = "VirtualMachineInstance",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Namespace = ns,
            OwnerReferences = [new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachine", Name = name, Uid = vmUid ?? Guid.NewGuid().ToString() }],
        },
        Spec = new V1VirtualMachineInstanceSpec(),
    };
}
