using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;

namespace VmNet.Bench.Controller;

/// <summary>Pods, launcher pods and CRDs for the controller benchmark, as JSON for the API server's store.</summary>
internal static class BenchObjects
{
    public static JsonObject Pod(string ns, string name, string? vmiOwner = null, bool hostNetwork = false)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Namespace = ns,
                Labels = new() { ["app"] = vmiOwner is null ? "web" : "virt-launcher" },
                OwnerReferences = vmiOwner is null
                    ? null
                    : [new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = vmiOwner, Uid = Guid.NewGuid().ToString(), Controller = true }],
            },
            Spec = new V1PodSpec { HostNetwork = hostNetwork ? true : null, NodeName = string.Create(CultureInfo.InvariantCulture, $"node-{name.GetHashCode(StringComparison.Ordinal) & 31}"), Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        };
        return (JsonObject)JsonSerializer.SerializeToNode(pod, KubeJson.Options)!;
    }

    public static JsonObject Vm(string ns, string name) => (JsonObject)JsonSerializer.SerializeToNode(new V1VirtualMachine
    {
        ApiVersion = "kubevirt.io/v1",
        Kind = "VirtualMachine",
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1VirtualMachineSpec { RunStrategy = "Always", Template = new V1VirtualMachineInstanceTemplateSpec { Spec = new V1VirtualMachineInstanceSpec() } },
    }, KubeJson.Options)!;
}
