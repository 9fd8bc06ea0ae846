using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// Plays KubeVirt's part in the sandbox (no KubeVirt runs here): for a VirtualMachine it creates the
/// VirtualMachineInstance (owned by the VM) and the virt-launcher pod (owned by the VMI, with the template's
/// annotations and labels as virt-controller copies them), through kubectl like any other client.
/// </summary>
public sealed class VirtLauncher(SandboxApi api, string workDirectory)
{
    private const string ApiVersion = "kubevirt.io/v1";

    /// <summary>Creates the VMI and a new launcher pod on <paramref name="node"/>; returns the pod's name.</summary>
    public async Task<string> StartAsync(string ns, string vm, string node, CancellationToken cancellationToken)
    {
        var vmObject = await GetJsonAsync(["get", "virtualmachine", vm, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false);
        var vmUid = vmObject["metadata"]?["uid"]?.GetValue<string>() ?? throw new InvalidOperationException($"VirtualMachine {ns}/{vm} has no metadata.uid");
        var template = vmObject["spec"]?["template"] ?? throw new InvalidOperationException($"VirtualMachine {ns}/{vm} has no spec.template");

        var vmi = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "VirtualMachineInstance",
            ["metadata"] = new JsonObject
            {
                ["name"] = vm,
                ["namespace"] = ns,
                ["annotations"] = template["metadata"]?["annotations"]?.DeepClone() ?? new JsonObject(),
                ["ownerReferences"] = new JsonArray(OwnerReference("VirtualMachine", vm, vmUid)),
            },
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        await ApplyAsync(vmi, cancellationToken).ConfigureAwait(false);
        var vmiUid = (await GetJsonAsync(["get", "virtualmachineinstance", vm, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false))["metadata"]?["uid"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"VirtualMachineInstance {ns}/{vm} has no metadata.uid");

        return await CreatePodAsync(ns, vm, node, vmiUid, template, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The migration target launcher pod KubeVirt creates for a VirtualMachineInstanceMigration: another pod of
    /// the same VMI on <paramref name="node"/>, marked with <c>kubevirt.io/migrationJobName</c>.
    /// </summary>
    public async Task<string> StartMigrationTargetAsync(string ns, string vm, string node, string migration, CancellationToken cancellationToken)
    {
        var vmObject = await GetJsonAsync(["get", "virtualmachine", vm, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false);
        var template = vmObject["spec"]?["template"] ?? throw new InvalidOperationException($"VirtualMachine {ns}/{vm} has no spec.template");
        var vmiUid = (await GetJsonAsync(["get", "virtualmachineinstance", vm, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false))["metadata"]?["uid"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"VirtualMachineInstance {ns}/{vm} has no metadata.uid");
        var vmim = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "VirtualMachineInstanceMigration",
            ["metadata"] = new JsonObject { ["name"] = migration, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["vmiName"] = vm },
        };
        await ApplyAsync(vmim, cancellationToken).ConfigureAwait(false);
        return await CreatePodAsync(ns, vm, node, vmiUid, template, migration, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> CreatePodAsync(string ns, string vm, string node, string vmiUid, JsonNode template, string? migration, CancellationToken cancellationToken)
    {
        var podName = "virt-launcher-" + vm + "-" + RandomSuffix();
        var labels = template["metadata"]?["labels"]?.DeepClone().AsObject() ?? new JsonObject();
        labels["kubevirt.io"] = "virt-launcher";
        labels["kubevirt.io/created-by"] = vmiUid;
        labels["vm.kubevirt.io/name"] = vm;
        var annotations = template["metadata"]?["annotations"]?.DeepClone().AsObject() ?? new JsonObject();
        annotations["kubevirt.io/domain"] = vm;
        if (migration is not null)
        {
            annotations["kubevirt.io/migrationJobName"] = migration;
        }

        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = podName,
                ["namespace"] = ns,
                ["labels"] = labels,
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(OwnerReference("VirtualMachineInstance", vm, vmiUid)),
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "compute", ["image"] = "quay.io/kubevirt/virt-launcher:v1.4.0" }),
            },
        };
        await ApplyAsync(pod, cancellationToken).ConfigureAwait(false);
        return podName;
    }

    /// <summary>Stops the VM's instance as KubeVirt does: deleting the VMI, whose launcher pod goes with it (ownerReference GC).</summary>
    public Task StopAsync(string ns, string vm, CancellationToken cancellationToken) =>
        api.KubectlAsync(["delete", "virtualmachineinstance", vm, "-n", ns, "--wait=true", "--ignore-not-found=true"], cancellationToken);

    public async Task<JsonNode> GetJsonAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var result = await api.KubectlAsync(arguments, cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(result.Stdout) ?? throw new InvalidOperationException("kubectl printed no JSON for " + string.Join(' ', arguments));
    }

    private async Task ApplyAsync(JsonObject manifest, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, manifest["kind"] + "-" + manifest["metadata"]!["name"] + ".json");
        await File.WriteAllTextAsync(path, manifest.ToJsonString(), cancellationToken).ConfigureAwait(false);
        await api.KubectlAsync(["create", "-f", path], cancellationToken).ConfigureAwait(false);
    }

    private static JsonObject OwnerReference(string kind, string name, string uid) => new()
    {
        ["apiVersion"] = ApiVersion,
        ["kind"] = kind,
        ["name"] = name,
        ["uid"] = uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Concat(RandomNumberGenerator.GetItems<char>(alphabet, 5));
    }
}
