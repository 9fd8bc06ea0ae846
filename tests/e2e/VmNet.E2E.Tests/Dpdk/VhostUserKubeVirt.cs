using System.Globalization;
using System.Text.Json.Nodes;
using VmNet.Controller.Migrations;
using VmNet.Dpdk;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Rig.Dpdk;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// KubeVirt's and kubelet's side of a vhost-user VM for <see cref="VhostUserMigrationHarness"/>: the VMI and
/// launcher pods in the API server, VMIMs advanced through their phases (our controller writes the LSP options
/// from them), and each launcher pod's vhost-user NIC created and removed through the CNI binary on its node.
/// With <paramref name="bindAfterCompletion"/> it plays a system without multi-chassis instead (the bench's "naive"
/// flow): no VMIM, the target launcher pod is an ordinary pod whose CNI ADD waits for its binding, and the port moves
/// only when a controller reacting to the VMI's status.nodeName through the API (<see cref="NaiveRebinder"/>) rebinds it.
/// </summary>
public sealed class VhostUserKubeVirt(DpdkClusterFixture fixture, string vm, string ip, string mac, string logicalPort, bool bindAfterCompletion = false) : IVhostUserSwitchover
{
    private static readonly TimeSpan ControllerTimeout = TimeSpan.FromSeconds(20);
    private readonly Dictionary<string, (OvsNode Node, string Pod, string ContainerId, string Netns)> plugged = [];
    private V1Pod? pending;
    private V1VirtualMachineInstanceMigration? migration;
    private int generation;
    private int plugs;
    private Task<CniCall>? pendingAdd;

    private string Ns => DpdkClusterFixture.Ns;

    /// <summary>The launcher pod whose NIC is plugged on <paramref name="node"/> and its OVS port (the VM's pod there).</summary>
    public (string Pod, string Port)? PluggedOn(OvsNode node) =>
        plugged.Where(p => p.Value.Node == node).Select(p => ((string Pod, string Port)?)(p.Value.Pod, p.Key)).FirstOrDefault();

    /// <summary>CNI results of every ADD, in order (source, then each target).</summary>
    public List<CniCall> Adds { get; } = [];

    public async Task BootAsync(OvsNode node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var vmi = await fixture.Kube.CreateAsync(new V1VirtualMachineInstance
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstance",
            Metadata = new V1ObjectMeta { Name = vm, Namespace = Ns },
            Spec = new V1VirtualMachineInstanceSpec(),
        }, cancellationToken);
        await SetVmiAsync(node.Name, null, cancellationToken);
        pending = await fixture.CreateLauncherAsync($"virt-launcher-{vm}-src", node, vm, ip, mac, owner: Owner(vmi));
    }

    public async Task<MigrationActivationDecision> BeginAsync(OvsNode source, OvsNode target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var name = vm + "-mig" + (++generation).ToString(CultureInfo.InvariantCulture);
        if (bindAfterCompletion)
        {
            var owner = await fixture.Kube.GetAsync<V1VirtualMachineInstance>(Ns, vm, cancellationToken);
            pending = await fixture.CreateLauncherAsync($"virt-launcher-{vm}-{name}", target, vm, ip, mac, owner: Owner(owner));
            return new MigrationActivationDecision(MigrationActivation.None, "naive: bound on the source only until the migration completed");
        }

        migration = await fixture.Kube.CreateAsync(new V1VirtualMachineInstanceMigration
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstanceMigration",
            Metadata = new V1ObjectMeta { Name = name, Namespace = Ns },
            Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = vm },
        }, cancellationToken);
        await SetPhaseAsync(MigrationPhases.Scheduling, cancellationToken);
        var vmi = await fixture.Kube.GetAsync<V1VirtualMachineInstance>(Ns, vm, cancellationToken);
        pending = await fixture.CreateLauncherAsync(
            $"virt-launcher-{vm}-{name}",
            target,
            vm,
            ip,
            mac,
            new Dictionary<string, string> { [MigrationFinder.MigrationJobNameAnnotation] = name },
            new Dictionary<string, string> { [MigrationFinder.MigrationJobUidLabel] = migration.Metadata!.Uid! },
            Owner(vmi));
        await SetVmiAsync(source.Name, State(source, target, completed: false), cancellationToken);
        await SetPhaseAsync(MigrationPhases.Running, cancellationToken);

        var (_, strategy) = await WaitOptionsAsync(source.Name + "," + target.Name, cancellationToken);
        return strategy == PortOptionsChange.Rarp
            ? new MigrationActivationDecision(MigrationActivation.Rarp, "the controller wrote activation-strategy=rarp")
            : new MigrationActivationDecision(MigrationActivation.None, $"the controller wrote no activation strategy ({strategy ?? "none"})");
    }

    public async Task CompleteAsync(OvsNode source, OvsNode target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (bindAfterCompletion)
        {
            var adding = pendingAdd ?? throw new InvalidOperationException("no target CNI ADD is pending");
            if (adding.IsCompleted)
            {
                // The ADD returns once the target chassis claimed the port: before the rebind it must still wait.
                throw new InvalidOperationException($"naive flow: the target's CNI ADD on {target.Name} finished before the port was rebound: {await adding}");
            }

            // KubeVirt moves status.nodeName when the migration completed; the naive controller rebinds from that.
            await SetVmiAsync(target.Name, null, cancellationToken);
            await WaitOptionsAsync(target.Name, cancellationToken);
            var add = await adding;
            pendingAdd = null;
            Adds.Add(add);
            if (add.ExitCode != 0)
            {
                throw new InvalidOperationException($"CNI ADD of the target launcher on {target.Name} failed: {add}");
            }

            return;
        }

        await SetVmiAsync(target.Name, State(source, target, completed: true), cancellationToken);
        await SetPhaseAsync(MigrationPhases.Succeeded, cancellationToken);
        await WaitOptionsAsync(target.Name, cancellationToken);
    }

    /// <summary><see cref="PlugVhostUser"/>: kubelet's ADD for the launcher pod created last, through the CNI binary.</summary>
    public async Task<string> PlugAsync(OvsNode node, string podUid, string portName, CancellationToken cancellationToken)
    {
        var pod = pending ?? throw new InvalidOperationException("no launcher pod waits for its NIC");
        pending = null;
        var volume = fixture.CreateEmptyDir(pod.Metadata!.Uid!);
        var netns = await fixture.CreateNetnsAsync();
        var containerId = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        plugged[portName] = (node, pod.Metadata.Name!, containerId, netns);
        var adding = DaemonCniClient.CallAsync("ADD", fixture.NetConf(node), containerId, "/var/run/netns/" + netns, "net1", pod.Metadata.Name!, cancellationToken);
        if (bindAfterCompletion && generation > 0)
        {
            // The ADD waits for ovn-installed, which the naive flow grants only after the migration; QEMU needs the
            // socket path before that, and it is the NAD's socket name in the pod's volume.
            pendingAdd = adding;
            return Path.Combine(fixture.LauncherView(volume, "l" + (++plugs).ToString(CultureInfo.InvariantCulture) + vm), "sock");
        }

        var add = await adding;
        Adds.Add(add);
        if (add.ExitCode != 0)
        {
            throw new InvalidOperationException($"CNI ADD of {pod.Metadata.Name} on {node.Name} failed: {add}");
        }

        var socket = add.Result!.Interfaces![0].SocketPath!;
        return Path.Combine(fixture.LauncherView(Path.GetDirectoryName(socket)!, "l" + (++plugs).ToString(CultureInfo.InvariantCulture) + vm), Path.GetFileName(socket));
    }

    /// <summary><see cref="UnplugVhostUser"/>: kubelet's DEL when the launcher pod goes.</summary>
    public async Task UnplugAsync(OvsNode node, string portName, CancellationToken cancellationToken)
    {
        if (!plugged.Remove(portName, out var p))
        {
            return;
        }

        var del = await DaemonCniClient.CallAsync("DEL", fixture.NetConf(p.Node), p.ContainerId, "/var/run/netns/" + p.Netns, "net1", p.Pod, cancellationToken);
        if (del.ExitCode != 0)
        {
            throw new InvalidOperationException($"CNI DEL of {p.Pod} on {p.Node.Name} failed: {del}");
        }
    }

    /// <summary>The LSP's requested-chassis and activation-strategy as the controller left them.</summary>
    public async Task<(string? Chassis, string? Strategy)> OptionsAsync(CancellationToken cancellationToken)
    {
        async Task<string?> Get(string key)
        {
            var result = await CommandRunner.RunAsync("ovn-nbctl", ["--db=" + fixture.Rig.Central.NorthboundConnection, "--if-exists", "get", "Logical_Switch_Port", logicalPort, "options:" + key], cancellationToken: cancellationToken);
            var value = result.Stdout.Trim().Trim('"');
            return result.Succeeded && value.Length > 0 ? value : null;
        }

        return (await Get(PortOptionsChange.RequestedChassis), await Get(PortOptionsChange.ActivationStrategy));
    }

    private async Task<(string? Chassis, string? Strategy)> WaitOptionsAsync(string chassis, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ControllerTimeout;
        while (true)
        {
            var options = await OptionsAsync(cancellationToken);
            if (options.Chassis == chassis)
            {
                return options;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"the controller did not set {logicalPort} requested-chassis={chassis} within {ControllerTimeout.TotalSeconds:0} s (now {options.Chassis}/{options.Strategy})");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private JsonObject State(OvsNode source, OvsNode target, bool completed) => new()
    {
        ["migrationUid"] = migration!.Metadata!.Uid,
        ["sourceNode"] = source.Name,
        ["targetNode"] = target.Name,
        ["completed"] = completed,
        ["failed"] = false,
    };

    private Task SetPhaseAsync(string phase, CancellationToken cancellationToken) =>
        fixture.Kube.PatchStatusAsync<V1VirtualMachineInstanceMigration>(Ns, migration!.Metadata!.Name!, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }), cancellationToken);

    private Task SetVmiAsync(string node, JsonObject? state, CancellationToken cancellationToken) =>
        fixture.Kube.PatchStatusAsync<V1VirtualMachineInstance>(Ns, vm, KubePatch.Merge(new JsonObject
        {
            ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node, ["migrationState"] = state },
        }), cancellationToken);

    private static V1OwnerReference Owner(V1VirtualMachineInstance vmi) =>
        new() { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = vmi.Metadata!.Name!, Uid = vmi.Metadata.Uid!, Controller = true };
}
