using System.Globalization;
using System.Text.Json.Nodes;
using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>How a migration that QEMU did not complete ends on the KubeVirt side.</summary>
public enum MigrationEnd
{
    /// <summary>VMI <c>migrationState.failed=true</c>, VMIM phase Failed.</summary>
    Failed,

    /// <summary>The user deleted the VMIM: VMI <c>abortStatus=Succeeded</c>, the VMIM is gone.</summary>
    AbortedByDeletingVmim,
}

/// <summary>
/// Plays KubeVirt (virt-controller, virt-handler) and kubelet for one VM against a running VmNet controller and
/// node daemons, so that a <see cref="MigratableVm"/> is networked exactly as in a cluster: every launcher pod
/// is an API object the controller allocates (same IP and MAC for the migration target, which carries
/// <c>kubevirt.io/migrationJobName</c>), its network namespace is set up by the CNI binary through the node's
/// daemon and then turned into KubeVirt's bridge binding; each migration is a VirtualMachineInstanceMigration
/// whose phases, and the VMI's <c>migrationState</c>, follow QEMU: once the guest resumes on the target, KubeVirt's
/// completion chain (<see cref="KubeVirtCompletionChain"/>: target ready, VMI completed, VMIM Succeeded, each hop an
/// API write seen through a watch) runs as in a cluster. Removing a launcher runs CNI DEL and deletes the pod.
/// Nothing here writes the Northbound or OVS: the port switchover is the controller's.
/// </summary>
public sealed class KubeVirtStandIn(
    IKubeClient kube, CniPlugin cni, Func<OvsNode, string> daemonSocket, string vm, IReadOnlyDictionary<string, string> launcherAnnotations, TimeSpan timeout, int mtu)
    : IVmBinding, IPortSwitchover
{
    public const string Namespace = "default";
    public const string MigrationJobUidLabel = "kubevirt.io/migrationJobUID";
    public const string MigrationJobNameAnnotation = "kubevirt.io/migrationJobName";

    private V1VirtualMachineInstanceMigration? _migration;
    private KubeVirtCompletionChain? _chain;
    private bool _holdSucceeded;
    private int _migrations;

    public string Name => "vmnet";

    public string NetdevOptions => LauncherBinding.NetdevOptions;

    /// <summary>How each launcher's CNI interface becomes QEMU's tap (virt-launcher's part); KubeVirt's bridge binding unless set.</summary>
    public ILauncherBinding LauncherBinding { get; set; } = new LauncherBridgeBinding();

    /// <summary>The VM's default-network Logical_Switch_Port (named after the VM: keep-vm-ip).</summary>
    public string LogicalPort { get; } = PortNames.PortName(vm, Namespace, AnnotationKeys.DefaultProvider);

    /// <summary>How the next migration QEMU does not complete ends on the KubeVirt side.</summary>
    public MigrationEnd NextEnd { get; set; } = MigrationEnd.Failed;

    /// <summary>
    /// When false, the next migration reports the target running on the VMI (completed) but never sets the VMIM to
    /// Succeeded until the controller has switched the port over by itself (its activation fallback). Read, and reset
    /// to true, when that migration starts (<see cref="BeforeMigrationAsync"/>).
    /// </summary>
    public bool ReportSucceeded { get; set; } = true;

    /// <summary>For the last migration completed without Succeeded: from the VMI reporting completion to the port on the target only.</summary>
    public TimeSpan? LastFallbackSwitchover { get; private set; }

    /// <summary>The hops of KubeVirt's completion chain in the last completed migration.</summary>
    public CompletionHops? LastCompletion { get; private set; }

    /// <summary>What was done when (UTC), for reading a failure against the migration's steps.</summary>
    public List<(DateTimeOffset At, string Step)> Timeline { get; } = [];

    /// <summary>
    /// Per launcher: frames its eth0 received between CNI ADD and the bridge binding. A migration target's port should
    /// be blocked until activation, so anything here for a target is OVN's pre-activation leak (see the README); the
    /// daemon gives a target its address only after that window, so the frames meet no address. -1 when unreadable.
    /// </summary>
    public Dictionary<string, long> EarlyReceived { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per launcher: its own kernel's TCP counters once the bridge binding took the address away from eth0, i.e. the
    /// VM's segments it took as its own and the RSTs it answered them with while it held the address.
    /// </summary>
    public Dictionary<string, LauncherTcpCounters> EarlyTcp { get; } = new(StringComparer.Ordinal);

    /// <summary>Every CNI call made, in order (ADD and DEL of each launcher).</summary>
    public List<(string Pod, string Node, CniOutcome Outcome)> CniCalls { get; } = [];

    /// <summary>Launcher pods created, in order; the last is the VM's current (or target) launcher.</summary>
    public List<string> Launchers { get; } = [];

    /// <summary>The VirtualMachine and its VirtualMachineInstance (owner of every launcher pod).</summary>
    public async Task CreateVmAsync(CancellationToken cancellationToken)
    {
        var template = new Dictionary<string, string>(launcherAnnotations);
        var created = await kube.CreateAsync(
            new V1VirtualMachine
            {
                ApiVersion = "kubevirt.io/v1",
                Kind = "VirtualMachine",
                Metadata = new V1ObjectMeta { Name = vm, Namespace = Namespace },
                Spec = new V1VirtualMachineSpec
                {
                    RunStrategy = "Always",
                    Template = new V1VirtualMachineInstanceTemplateSpec { Metadata = new V1ObjectMeta { Annotations = template }, Spec = new V1VirtualMachineInstanceSpec() },
                },
            },
            cancellationToken).ConfigureAwait(false);
        await kube.CreateAsync(
            new V1VirtualMachineInstance
            {
                ApiVersion = "kubevirt.io/v1",
                Kind = "VirtualMachineInstance",
                Metadata = new V1ObjectMeta
                {
                    Name = vm,
                    Namespace = Namespace,
                    Annotations = template,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachine", Name = vm, Uid = created.Metadata!.Uid!, Controller = true }],
                },
                Spec = new V1VirtualMachineInstanceSpec(),
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<VmAttachment> AttachAsync(OvsNode node, string vmName, int generation, string? ifaceId, RigManifest? manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var vmi = await kube.GetAsync<V1VirtualMachineInstance>(Namespace, vm, cancellationToken).ConfigureAwait(false);
        var pod = $"virt-launcher-{vm}-{generation.ToString(CultureInfo.InvariantCulture)}";
        var annotations = new Dictionary<string, string>(launcherAnnotations);
        Dictionary<string, string>? labels = null;
        if (generation == 0)
        {
            await SetVmiAsync(node.Name, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // virt-controller: the VMIM, then the target launcher pod labelled and annotated with it.
            var name = $"{vm}-mig-{(++_migrations).ToString(CultureInfo.InvariantCulture)}";
            _migration = await kube.CreateAsync(
                new V1VirtualMachineInstanceMigration
                {
                    ApiVersion = "kubevirt.io/v1",
                    Kind = "VirtualMachineInstanceMigration",
                    Metadata = new V1ObjectMeta { Name = name, Namespace = Namespace },
                    Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = vm },
                },
                cancellationToken).ConfigureAwait(false);
            await SetPhaseAsync("Scheduling", cancellationToken).ConfigureAwait(false);
            annotations[MigrationJobNameAnnotation] = name;
            labels = new Dictionary<string, string> { [MigrationJobUidLabel] = _migration.Metadata!.Uid! };
        }

        await kube.CreateAsync(
            new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta
                {
                    Name = pod,
                    Namespace = Namespace,
                    Labels = labels,
                    Annotations = annotations,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = vm, Uid = vmi.Metadata!.Uid!, Controller = true }],
                },
                Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "compute", Image = "virt-launcher" }] },
            },
            cancellationToken).ConfigureAwait(false);
        Launchers.Add(pod);
        if (generation > 0)
        {
            await SetPhaseAsync("Scheduled", cancellationToken).ConfigureAwait(false);
        }

        // kubelet: sandbox netns, then CNI ADD (the daemon waits for the controller's allocation and for ovn-installed).
        var netns = vmName + "l" + (generation % 1000).ToString(CultureInfo.InvariantCulture);
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        manifest?.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        var netnsPath = "/var/run/netns/" + netns;
        var netConf = CniPlugin.NetConf(daemonSocket(node));
        try
        {
            using var addTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            addTimeout.CancelAfter(timeout);
            Mark($"{pod}: CNI ADD on {node.Name}");
            var add = await cni.RunAsync("ADD", containerId, netnsPath, "eth0", Namespace, pod, netConf, addTimeout.Token).ConfigureAwait(false);
            Mark($"{pod}: CNI ADD returned {add.ExitCode}");
            CniCalls.Add((pod, node.Name, add));
            if (!add.Succeeded)
            {
                throw new QemuException($"launcher {pod} on {node.Name}: {add}");
            }

            if (generation > 0)
            {
                await SetPhaseAsync("TargetReady", cancellationToken).ConfigureAwait(false);
            }

            var hostPort = await HostPortAsync(node, cancellationToken).ConfigureAwait(false);
            var received = await NetworkNamespace.ExecAsync(netns, "cat", ["/sys/class/net/eth0/statistics/rx_packets"], cancellationToken: cancellationToken).ConfigureAwait(false);
            EarlyReceived[pod] = long.TryParse(received.Stdout.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rx) ? rx : -1;
            Mark($"{pod}: eth0 received {received.Stdout.Trim()} frames before the bridge binding");
            var nic = await LauncherBinding.ConnectAsync(new LauncherPlug(node, vmName, netns, hostPort, LogicalPort, mtu, generation > 0), cancellationToken).ConfigureAwait(false);
            EarlyTcp[pod] = await LauncherTcpCounters.ReadAsync(netns, cancellationToken).ConfigureAwait(false);
            Mark($"{pod}: {LauncherBinding.Name} set up ({EarlyTcp[pod]})");
            return new VmAttachment(node, nic.QemuNetns, nic.Tap, nic.OvsPort, async ct =>
            {
                // QEMU has exited (its NIC goes), then kubelet tears the launcher down: CNI DEL, then the pod object goes.
                await nic.RemoveAsync(ct).ConfigureAwait(false);
                Mark($"{pod}: CNI DEL");
                var del = await cni.RunAsync("DEL", containerId, netnsPath, "eth0", Namespace, pod, netConf, ct).ConfigureAwait(false);
                CniCalls.Add((pod, node.Name, del));
                await DeletePodAsync(pod, ct).ConfigureAwait(false);
                await NetworkNamespace.DeleteAsync(netns, ct).ConfigureAwait(false);
                if (!del.Succeeded)
                {
                    throw new QemuException($"launcher {pod} on {node.Name}: {del}");
                }
            });
        }
        catch
        {
            await cni.RunAsync("DEL", containerId, netnsPath, "eth0", Namespace, pod, netConf, CancellationToken.None).ConfigureAwait(false);
            await DeletePodAsync(pod, CancellationToken.None).ConfigureAwait(false);
            await NetworkNamespace.DeleteAsync(netns, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// virt-handler: the migration runs (source and target known to the VMI); KubeVirt's components start watching
    /// for its end (<see cref="KubeVirtCompletionChain"/>, fired by <see cref="PortSwitchoverContext.Signals"/>).
    /// </summary>
    public async Task BeforeMigrationAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await SetVmiAsync(context.SourceChassis, State(context, completed: false, failed: false), cancellationToken).ConfigureAwait(false);
        await SetPhaseAsync("Running", cancellationToken).ConfigureAwait(false);
        await LogicalPortOptions.WaitAsync(context.Central, LogicalPort, $"{context.SourceChassis},{context.TargetChassis}", "rarp", timeout, "the VmNet controller", cancellationToken).ConfigureAwait(false);
        _holdSucceeded = !ReportSucceeded;
        ReportSucceeded = true;
        var migration = new KubeVirtMigration(Namespace, vm, _migration!.Metadata!.Name!, _migration.Metadata.Uid!, context.SourceChassis, context.TargetChassis);
        _chain = await KubeVirtCompletionChain.StartAsync(kube, migration, context.Signals, reportSucceeded: !_holdSucceeded, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// QEMU completed: KubeVirt's chain (target ready, VMI completed with the target's nodeName, VMIM Succeeded) has
    /// run or runs now from the target's RESUME; then the controller must have left the port on the target only.
    /// </summary>
    public async Task AfterCompletedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var chain = _chain ?? throw new InvalidOperationException($"no migration of {vm} in progress: BeforeMigrationAsync first");
        _chain = null;
        // Without a QEMU (controller-level tests) this call is the news that the guest runs on the target.
        context.Signals.ReportTargetResumed(DateTimeOffset.UtcNow);
        context.Signals.ReportSourceCompleted(DateTimeOffset.UtcNow);
        await using (chain.ConfigureAwait(false))
        {
            var hops = await chain.WaitAsync(cancellationToken).ConfigureAwait(false);
            LastCompletion = hops;
            Mark(string.Create(
                CultureInfo.InvariantCulture,
                $"{_migration!.Metadata!.Name}: RESUME {hops.Resumed:HH:mm:ss.fff}, target ready +{(hops.TargetReady - hops.Resumed).TotalMilliseconds:0.0} ms, VMI completed +{(hops.VmiCompleted - hops.Resumed).TotalMilliseconds:0.0} ms, VMIM Succeeded {(hops.VmimSucceeded is { } s ? $"+{(s - hops.Resumed).TotalMilliseconds:0.0} ms" : "held back")}"));
            if (_holdSucceeded)
            {
                await LogicalPortOptions.WaitAsync(context.Central, LogicalPort, context.TargetChassis, null, timeout, "the VmNet controller (activation fallback)", cancellationToken).ConfigureAwait(false);
                LastFallbackSwitchover = DateTimeOffset.UtcNow - hops.VmiCompleted;
                await SetPhaseAsync("Succeeded", cancellationToken).ConfigureAwait(false);
            }
        }

        await LogicalPortOptions.WaitAsync(context.Central, LogicalPort, context.TargetChassis, null, timeout, "the VmNet controller", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The migration failed or was aborted (<see cref="NextEnd"/>); the VM stays on the source.</summary>
    public async Task AfterFailedAsync(PortSwitchoverContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_chain is { } chain)
        {
            _chain = null;
            await chain.DisposeAsync().ConfigureAwait(false);
        }

        if (NextEnd == MigrationEnd.AbortedByDeletingVmim)
        {
            await SetVmiAsync(context.SourceChassis, State(context, completed: false, failed: false, abortStatus: "Succeeded"), cancellationToken).ConfigureAwait(false);
            await kube.DeleteAsync<V1VirtualMachineInstanceMigration>(Namespace, _migration!.Metadata!.Name!, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await SetVmiAsync(context.SourceChassis, State(context, completed: false, failed: true), cancellationToken).ConfigureAwait(false);
            await SetPhaseAsync("Failed", cancellationToken).ConfigureAwait(false);
        }

        NextEnd = MigrationEnd.Failed;
        await LogicalPortOptions.WaitAsync(context.Central, LogicalPort, context.SourceChassis, null, timeout, "the VmNet controller", cancellationToken).ConfigureAwait(false);
    }

    private void Mark(string step)
    {
        lock (Timeline)
        {
            Timeline.Add((DateTimeOffset.UtcNow, step));
        }
    }

    /// <summary>The br-int port the daemon plugged for the VM's port on <paramref name="node"/> (named after the container).</summary>
    private async Task<string> HostPortAsync(OvsNode node, CancellationToken cancellationToken)
    {
        var found = await node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id={LogicalPort}"], cancellationToken).ConfigureAwait(false);
        var names = found.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names.Length == 1 ? names[0] : throw new QemuException($"{node.Name}: expected one OVS interface with iface-id {LogicalPort} after CNI ADD, found [{string.Join(", ", names)}]");
    }

    private JsonObject State(PortSwitchoverContext c, bool completed, bool failed, string? abortStatus = null) => new()
    {
        ["migrationUid"] = _migration?.Metadata?.Uid ?? throw new InvalidOperationException("no migration in progress"),
        ["sourceNode"] = c.SourceChassis,
        ["targetNode"] = c.TargetChassis,
        ["completed"] = completed,
        ["failed"] = failed,
        ["abortStatus"] = abortStatus,

        // A new migration starts with a fresh migrationState (the merge patch would keep the last one's fields).
        ["targetNodeDomainDetected"] = false,
        ["targetNodeDomainReadyTimestamp"] = null,
        ["endTimestamp"] = null,
    };

    private Task SetPhaseAsync(string phase, CancellationToken cancellationToken)
    {
        Mark($"{_migration!.Metadata!.Name}: phase {phase}");
        return kube.PatchStatusAsync<V1VirtualMachineInstanceMigration>(
            Namespace, _migration!.Metadata!.Name!, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }), cancellationToken);
    }

    private Task SetVmiAsync(string node, JsonObject? state, CancellationToken cancellationToken)
    {
        Mark($"VMI on {node}: {state?.ToJsonString() ?? "no migration"}");
        return kube.PatchStatusAsync<V1VirtualMachineInstance>(
            Namespace, vm, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node, ["migrationState"] = state?.DeepClone() } }), cancellationToken);
    }

    private async Task DeletePodAsync(string pod, CancellationToken cancellationToken)
    {
        try
        {
            await kube.DeleteAsync<V1Pod>(Namespace, pod, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Already gone.
        }
    }
}
