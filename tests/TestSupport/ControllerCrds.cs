using System.Text.Json.Nodes;
using VmNet.Kube.Models;

namespace VmNet.TestSupport;

/// <summary>
/// The CRDs the controller watches, schemaless (unknown fields preserved, status subresource on), for an
/// in-process API server in tests and benchmarks that do not load the chart's full schemas.
/// </summary>
public static class ControllerCrds
{
    public static IReadOnlyList<V1CustomResourceDefinition> All { get; } =
    [
        Crd("kubeovn.io", "subnets", "Subnet", "Cluster"),
        Crd("kubeovn.io", "ips", "IP", "Cluster"),
        Crd("kubeovn.io", "vpcs", "Vpc", "Cluster"),
        Crd("k8s.cni.cncf.io", "network-attachment-definitions", "NetworkAttachmentDefinition", "Namespaced"),
        Crd("kubevirt.io", "virtualmachines", "VirtualMachine", "Namespaced"),
        Crd("kubevirt.io", "virtualmachineinstances", "VirtualMachineInstance", "Namespaced"),
        Crd("kubevirt.io", "virtualmachineinstancemigrations", "VirtualMachineInstanceMigration", "Namespaced"),
    ];

    public static V1CustomResourceDefinition Crd(string group, string plural, string kind, string scope) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{plural}.{group}" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = group,
            Scope = scope,
            Names = new V1CustomResourceDefinitionNames { Plural = plural, Kind = kind, Singular = kind.ToLowerInvariant() },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Schema = new V1CustomResourceValidation { OpenAPIV3Schema = JsonNode.Parse("""{"type":"object","x-kubernetes-preserve-unknown-fields":true}""") },
                    Subresources = new V1CustomResourceSubresources { Status = new JsonObject() },
                },
            ],
        },
    };
}
