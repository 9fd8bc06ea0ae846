using System.Text.Json.Nodes;
using VmNet.Controller.Migrations;
using VmNet.Controller.Tests.Addressing;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Tests.Migrations;

/// <summary>Plays KubeVirt for the migration tests: VMIMs, their phases, target pods and the VMI's migration state.</summary>
public sealed class MigrationWorld(AddressingHarness h)
{
    public const string Ns = "default";

    public static string Port(string vm) => $"{vm}.{Ns}";

    public async Task StartVmAsync(string vm, string node, Dictionary<string, string>? templateAnnotations = null)
    {
        await h.Client.CreateAsync(KubeTestObjects.Vm(Ns, vm, templateAnnotations));
        await h.StartVmAsync(Ns, vm, $"virt-launcher-{vm}-src", node: node);
        await h.WaitAddressedAsync(Ns, $"virt-launcher-{vm}-src");
        await SetVmiAsync(vm, node, null);
    }

    public async Task<V1VirtualMachineInstanceMigration> CreateVmimAsync(string name, string vmi, string phase)
    {
        var created = await h.Client.CreateAsync(new V1VirtualMachineInstanceMigration
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstanceMigration",
            Metadata = new V1ObjectMeta { Name = name, Namespace = Ns },
            Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = vmi },
        });
        await SetPhaseAsync(name, phase);
        return created;
    }

    public Task SetPhaseAsync(string vmim, string phase) =>
        h.Client.PatchStatusAsync<V1VirtualMachineInstanceMigration>(Ns, vmim, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }));

    /// <summary>The target virt-launcher pod KubeVirt creates for <paramref name="vmim"/>.</summary>
    public async Task CreateTargetPodAsync(string vm, string pod, string node, V1VirtualMachineInstanceMigration vmim, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var vmi = await h.Client.GetAsync<V1VirtualMachineInstance>(Ns, vm);
        var podAnnotations = new Dictionary<string, string>(annotations ?? new Dictionary<string, string>()) { [MigrationFinder.MigrationJobNameAnnotation] = vmim.Metadata!.Name! };
        var launcher = KubeTestObjects.Launcher(Ns, vm, pod, node, podAnnotations, vmi.Metadata!.Uid);
        launcher.Metadata!.Labels = new Dictionary<string, string> { [MigrationFinder.MigrationJobUidLabel] = vmim.Metadata.Uid! };
        await h.Client.CreateAsync(launcher);
    }

    /// <summary>
    /// Migrates <paramref name="vm"/> from <paramref name="source"/> to <paramref name="target"/> as far as Running and
    /// returns the VMIM once the port is bound on both chassis with RARP activation. With
    /// <paramref name="reportMigrationState"/> the VMI reports the migration (still on the source) before Running.
    /// </summary>
    public async Task<V1VirtualMachineInstanceMigration> MigrateUntilDualBoundAsync(
        string vm, string vmim, string targetPod, string source, string target, bool reportMigrationState = false)
    {
        var created = await CreateVmimAsync(vmim, vm, MigrationPhases.Scheduling);
        await CreateTargetPodAsync(vm, targetPod, target, created);
        if (reportMigrationState)
        {
            await SetVmiAsync(vm, source, State(created, source, target));
        }

        await SetPhaseAsync(vmim, MigrationPhases.Running);
        await WaitOptionsAsync(vm, $"{source},{target}", "rarp");
        return created;
    }

    public Task SetVmiAsync(string vm, string node, JsonObject? migrationState) =>
        h.Client.PatchStatusAsync<V1VirtualMachineInstance>(Ns, vm, KubePatch.Merge(new JsonObject
        {
            ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node, ["migrationState"] = migrationState },
        }));

    public static JsonObject State(V1VirtualMachineInstanceMigration vmim, string source, string target, bool completed = false, bool failed = false, string? abortStatus = null) => new()
    {
        ["migrationUid"] = vmim.Metadata!.Uid,
        ["sourceNode"] = source,
        ["targetNode"] = target,
        ["completed"] = completed,
        ["failed"] = failed,
        ["abortStatus"] = abortStatus,
    };

    public Task<(string? Chassis, string? Strategy)> OptionsAsync(string vm) => PortOptionsAsync(Port(vm));

    public async Task<(string? Chassis, string? Strategy)> PortOptionsAsync(string port) =>
        ((await h.LspColumnAsync(port, "options:requested-chassis"))?.Trim('"'),
         (await h.LspColumnAsync(port, "options:activation-strategy"))?.Trim('"'));

    public Task WaitOptionsAsync(string vm, string? chassis, string? strategy) => WaitPortOptionsAsync(Port(vm), chassis, strategy);

    public async Task WaitPortOptionsAsync(string port, string? chassis, string? strategy)
    {
        (string?, string?) last = default;
        try
        {
            await AddressingHarness.WaitUntilAsync(async () => (last = await PortOptionsAsync(port)) == (chassis, strategy), TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{port} options: want requested-chassis={chassis} activation-strategy={strategy}, have {last}");
        }
    }

    public static readonly string[] InFlight = [MigrationPhases.Scheduling, MigrationPhases.Scheduled, MigrationPhases.PreparingTarget, MigrationPhases.TargetReady, MigrationPhases.Running];
}
