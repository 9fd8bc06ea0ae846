using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// Plays KubeVirt's part in the sandbox (no KubeVirt runs here), through kubectl like any other client: for a
/// VirtualMachine it creates the VirtualMachineInstance (owned by the VM) and the virt-launcher pod (owned by the
/// VMI, with the template's annotations and labels and the Multus networks annotation as virt-controller writes
/// them), reports the VMI running on its node, and drives a VirtualMachineInstanceMigration through its phases
/// with the VMI's migrationState, which is what VmNet's migration module watches.
/// </summary>
public sealed class KubeVirtPlayer(SandboxApi api, string workDirectory)
{
    public const string MultusNetworksAnnotation = "k8s.v1.cni.cncf.io/networks";
    public const string MigrationJobNameAnnotation = "kubevirt.io/migrationJobName";
    public const string MigrationJobUidLabel = "kubevirt.io/migrationJobUID";
    private const string ApiVersion = "kubevirt.io/v1";

    /// <summary>Creates the VMI and a launcher pod on <paramref name="node"/>; returns the pod.</summary>
    public async Task<LauncherPodSpec> StartAsync(string ns, string vm, string node, CancellationToken cancellationToken)
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
                ["labels"] = template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                ["ownerReferences"] = new JsonArray(OwnerReference("VirtualMachine", vm, vmUid)),
            },
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        await CreateAsync(vmi, cancellationToken).ConfigureAwait(false);
        var vmiUid = await VmiUidAsync(ns, vm, cancellationToken).ConfigureAwait(false);
        var pod = await CreatePodAsync(ns, vm, node, vmiUid, template, null, cancellationToken).ConfigureAwait(false);
        await PatchVmiStatusAsync(ns, vm, new JsonObject { ["phase"] = "Scheduled", ["nodeName"] = node }, cancellationToken).ConfigureAwait(false);
        return pod;
    }

    /// <summary>
    /// A plain pod (no VM) on <paramref name="node"/> attached to <paramref name="networks"/> as well: the user's own
    /// workload next to the VMs, which the demo pings them from (QEMU guests have no shell of their own).
    /// </summary>
    public async Task<LauncherPodSpec> CreatePeerPodAsync(string ns, string name, string node, IReadOnlyList<SecondaryNetwork> networks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var annotations = new JsonObject();
        if (networks.Count > 0)
        {
            annotations[MultusNetworksAnnotation] = new JsonArray(networks.Select(s => (JsonNode)new JsonObject
            {
                ["interface"] = s.Interface,
                ["name"] = s.Name,
                ["namespace"] = s.Namespace,
            }).ToArray()).ToJsonString();
        }

        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = name }, ["annotations"] = annotations },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "shell", ["image"] = "busybox:stable" }),
            },
        };
        await CreateAsync(pod, cancellationToken).ConfigureAwait(false);
        var uid = (await GetJsonAsync(["get", "pod", name, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false))["metadata"]?["uid"]?.GetValue<string>() ?? string.Empty;
        return new LauncherPodSpec(ns, name, uid, name, node, networks);
    }

    /// <summary>kubelet's report once the pod's sandbox is networked and its container runs: phase Running with the pod IP.</summary>
    public Task ReportPodRunningAsync(string ns, string pod, string podIp, CancellationToken cancellationToken) =>
        api.KubectlAsync(
            ["patch", "pod", pod, "-n", ns, "--subresource=status", "--type=merge", "-p",
             new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running", ["podIP"] = podIp, ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }) } }.ToJsonString()],
            cancellationToken);

    /// <summary>virt-handler's report once the guest runs: phase Running on the node.</summary>
    public Task ReportRunningAsync(string ns, string vm, string node, CancellationToken cancellationToken) =>
        PatchVmiStatusAsync(ns, vm, new JsonObject { ["phase"] = "Running", ["nodeName"] = node }, cancellationToken);

    /// <summary>
    /// KubeVirt's first half of a migration: the VirtualMachineInstanceMigration (phase Scheduling) and the target
    /// launcher pod on <paramref name="node"/>, marked with <c>kubevirt.io/migrationJobName</c> and the job's UID label.
    /// </summary>
    public async Task<(LauncherPodSpec Pod, string MigrationUid)> StartMigrationAsync(string ns, string vm, string node, string migration, CancellationToken cancellationToken)
    {
        var vmObject = await GetJsonAsync(["get", "virtualmachine", vm, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false);
        var template = vmObject["spec"]?["template"] ?? throw new InvalidOperationException($"VirtualMachine {ns}/{vm} has no spec.template");
        var vmiUid = await VmiUidAsync(ns, vm, cancellationToken).ConfigureAwait(false);
        var vmim = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "VirtualMachineInstanceMigration",
            ["metadata"] = new JsonObject { ["name"] = migration, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["vmiName"] = vm },
        };
        await CreateAsync(vmim, cancellationToken).ConfigureAwait(false);
        var uid = (await GetJsonAsync(["get", "virtualmachineinstancemigration", migration, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false))["metadata"]?["uid"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"VirtualMachineInstanceMigration {ns}/{migration} has no metadata.uid");
        await SetMigrationPhaseAsync(ns, migration, "Scheduling", cancellationToken).ConfigureAwait(false);
        var pod = await CreatePodAsync(ns, vm, node, vmiUid, template, (migration, uid), cancellationToken).ConfigureAwait(false);
        return (pod, uid);
    }

    /// <summary>The target is ready and the memory transfer starts: VMI migrationState in flight, VMIM Running.</summary>
    public async Task ReportMigrationRunningAsync(string ns, string vm, string migration, string migrationUid, string source, string target, CancellationToken cancellationToken)
    {
        await PatchVmiStatusAsync(ns, vm, new JsonObject { ["nodeName"] = source, ["migrationState"] = MigrationState(migrationUid, source, target, false, false) }, cancellationToken).ConfigureAwait(false);
        await SetMigrationPhaseAsync(ns, migration, "Running", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The guest runs on the target: VMI on the target node, migration completed, VMIM Succeeded.</summary>
    public async Task ReportMigrationSucceededAsync(string ns, string vm, string migration, string migrationUid, string source, string target, CancellationToken cancellationToken)
    {
        await PatchVmiStatusAsync(ns, vm, new JsonObject { ["nodeName"] = target, ["migrationState"] = MigrationState(migrationUid, source, target, true, false) }, cancellationToken).ConfigureAwait(false);
        await SetMigrationPhaseAsync(ns, migration, "Succeeded", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The migration failed: the guest stays on the source, VMIM Failed.</summary>
    public async Task ReportMigrationFailedAsync(string ns, string vm, string migration, string migrationUid, string source, string target, CancellationToken cancellationToken)
    {
        await PatchVmiStatusAsync(ns, vm, new JsonObject { ["nodeName"] = source, ["migrationState"] = MigrationState(migrationUid, source, target, false, true) }, cancellationToken).ConfigureAwait(false);
        await SetMigrationPhaseAsync(ns, migration, "Failed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the VM's instance as KubeVirt does: deleting the VMI, whose launcher pods go with it (ownerReference GC).</summary>
    public Task StopAsync(string ns, string vm, CancellationToken cancellationToken) =>
        api.KubectlAsync(["delete", "virtualmachineinstance", vm, "-n", ns, "--wait=true", "--ignore-not-found=true"], cancellationToken);

    public Task DeletePodAsync(string ns, string pod, CancellationToken cancellationToken) =>
        api.KubectlAsync(["delete", "pod", pod, "-n", ns, "--wait=true", "--ignore-not-found=true"], cancellationToken);

    public async Task<JsonNode> GetJsonAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var result = await api.KubectlAsync(arguments, cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(result.Stdout) ?? throw new InvalidOperationException("kubectl printed no JSON for " + string.Join(' ', arguments));
    }

    private async Task<LauncherPodSpec> CreatePodAsync(
        string ns, string vm, string node, string vmiUid, JsonNode template, (string Name, string Uid)? migration, CancellationToken cancellationToken)
    {
        var podName = "virt-launcher-" + vm + "-" + RandomSuffix();
        var labels = template["metadata"]?["labels"]?.DeepClone().AsObject() ?? new JsonObject();
        labels["kubevirt.io"] = "virt-launcher";
        labels["kubevirt.io/created-by"] = vmiUid;
        labels["vm.kubevirt.io/name"] = vm;
        var annotations = template["metadata"]?["annotations"]?.DeepClone().AsObject() ?? new JsonObject();
        annotations["kubevirt.io/domain"] = vm;
        var secondary = SecondaryNetworks(template, ns);
        if (secondary.Count > 0)
        {
            annotations[MultusNetworksAnnotation] = new JsonArray(secondary.Select(s => (JsonNode)new JsonObject
            {
                ["interface"] = s.Interface,
                ["name"] = s.Name,
                ["namespace"] = s.Namespace,
            }).ToArray()).ToJsonString();
        }

        if (migration is { } job)
        {
            annotations[MigrationJobNameAnnotation] = job.Name;
            labels[MigrationJobUidLabel] = job.Uid;
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
        await CreateAsync(pod, cancellationToken).ConfigureAwait(false);
        var uid = (await GetJsonAsync(["get", "pod", podName, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false))["metadata"]?["uid"]?.GetValue<string>() ?? string.Empty;
        return new LauncherPodSpec(ns, podName, uid, vm, node, secondary);
    }

    /// <summary>
    /// The VMI's Multus networks, in spec order, as virt-controller lists them on the launcher pod: the pod
    /// interface of the n-th secondary network is net&lt;n&gt;.
    /// </summary>
    private static List<SecondaryNetwork> SecondaryNetworks(JsonNode template, string ns)
    {
        var result = new List<SecondaryNetwork>();
        foreach (var network in template["spec"]?["networks"]?.AsArray() ?? [])
        {
            if (network?["multus"]?["networkName"]?.GetValue<string>() is not { Length: > 0 } reference || network["multus"]?["default"]?.GetValue<bool>() == true)
            {
                continue;
            }

            var parts = reference.Split('/', 2);
            var (nadNamespace, nadName) = parts.Length == 2 ? (parts[0], parts[1]) : (ns, parts[0]);
            result.Add(new SecondaryNetwork(network["name"]?.GetValue<string>() ?? nadName, nadName, nadNamespace, "net" + (result.Count + 1)));
        }

        return result;
    }

    private static JsonObject MigrationState(string uid, string source, string target, bool completed, bool failed) => new()
    {
        ["migrationUid"] = uid,
        ["sourceNode"] = source,
        ["targetNode"] = target,
        ["completed"] = completed,
        ["failed"] = failed,
    };

    private async Task<string> VmiUidAsync(string ns, string vm, CancellationToken cancellationToken) =>
        (await GetJsonAsync(["get", "virtualmachineinstance", vm, "-n", ns, "-o", "json"], cancellationToken).ConfigureAwait(false))["metadata"]?["uid"]?.GetValue<string>()
        ?? throw new InvalidOperationException($"VirtualMachineInstance {ns}/{vm} has no metadata.uid");

    private Task PatchVmiStatusAsync(string ns, string vm, JsonObject status, CancellationToken cancellationToken) =>
        api.KubectlAsync(["patch", "virtualmachineinstance", vm, "-n", ns, "--subresource=status", "--type=merge", "-p", new JsonObject { ["status"] = status }.ToJsonString()], cancellationToken);

    private Task SetMigrationPhaseAsync(string ns, string migration, string phase, CancellationToken cancellationToken) =>
        api.KubectlAsync(
            ["patch", "virtualmachineinstancemigration", migration, "-n", ns, "--subresource=status", "--type=merge", "-p", new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }.ToJsonString()],
            cancellationToken);

    private async Task CreateAsync(JsonObject manifest, CancellationToken cancellationToken)
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
