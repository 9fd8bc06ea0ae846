using System.Globalization;
using VmNet.Sandbox.Qemu;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// Live migration as KubeVirt runs it, with VmNet's controller doing the port switchover: the sandbox creates
/// the VirtualMachineInstanceMigration and the target launcher pod and advances the phases; the controller's
/// migration module binds the port to both chassis (target activated by RARP) and then to the target alone.
/// </summary>
public sealed partial class LifecycleDemo
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);
    private int migrationCounter;

    /// <summary>The last migration's measured gaps (printed, and read by the demo benchmark).</summary>
    public MigrationFigures? LastMigration { get; private set; }

    private async Task<string> MigrateVmAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        var player = RequireKubeVirt();
        var guest = guests[FixedVm];
        var source = guest.Launcher;
        var address = source.Primary.Address;
        var sourceNode = source.Node.Name;
        var targetNode = activeRig.Nodes.First(n => n.Name != sourceNode).Name;
        var number = Interlocked.Increment(ref migrationCounter);
        var migration = FormattableString.Invariant($"migrate-{FixedVm}-{number}");
        var prober = Prober;
        var proberName = ProberName;
        var evidence = new List<string>();

        await using var probe = PingProbe.Start(prober.Netns, address.Ip, ProbeInterval);
        var (targetPod, migrationUid) = await player.StartMigrationAsync(VmNamespace, FixedVm, targetNode, migration, cancellationToken).ConfigureAwait(false);
        var targetNics = await WaitForAddressesAsync(targetPod, cancellationToken).ConfigureAwait(false);
        var targetAddress = targetNics.Single(n => n.IsDefault);
        if (targetAddress.Ip != address.Ip || targetAddress.Mac != address.Mac)
        {
            throw new InvalidOperationException($"the migration target pod got {targetAddress.Ip} {targetAddress.Mac}, the VM has {address.Ip} {address.Mac}");
        }

        evidence.Add($"VirtualMachineInstanceMigration {migration} (Scheduling); target pod {targetPod.Name} on {targetNode} "
            + $"({KubeVirtPlayer.MigrationJobNameAnnotation}={migration}) -> {targetAddress.Ip} {targetAddress.Mac}, the VM's own address");
        var target = await RequireNetwork().AddAsync(targetPod, targetNics, cancellationToken).ConfigureAwait(false);
        await player.ReportPodRunningAsync(VmNamespace, targetPod.Name, targetAddress.Ip, cancellationToken).ConfigureAwait(false);
        evidence.Add($"target pod networked: netns {target.Netns}, br-int port {target.Primary.HostInterface} iface-id={address.LogicalPort}");
        var both = await WaitPortOptionsAsync(address.LogicalPort, $"{sourceNode},{targetNode}", "rarp", cancellationToken).ConfigureAwait(false);
        evidence.Add($"controller (target pod scheduled): {address.LogicalPort} options {both}");

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var guestStoppedAt = DateTimeOffset.UtcNow;
        MigrationReport? report = null;
        if (guest is QemuGuest qemu)
        {
            qemu.Binding.Prepare(number, target);
            var switchover = new ControllerSwitchover(
                (_, ct) => player.ReportMigrationRunningAsync(VmNamespace, FixedVm, migration, migrationUid, sourceNode, targetNode, ct),
                (_, ct) => player.ReportMigrationSucceededAsync(VmNamespace, FixedVm, migration, migrationUid, sourceNode, targetNode, ct),
                (_, ct) => player.ReportMigrationFailedAsync(VmNamespace, FixedVm, migration, migrationUid, sourceNode, targetNode, ct),
                ControllerWait);
            report = await qemu.Machine.MigrateToAsync(activeRig.Node(targetNode), switchover, new MigrationOptions { Senders = [prober.Primary.Address.Mac] }, cancellationToken).ConfigureAwait(false);
            guestStoppedAt = report.Qemu.SourceStoppedAt ?? guestStoppedAt;
            if (!report.Qemu.Completed)
            {
                throw new InvalidOperationException($"QEMU migration of {FixedVm} ended {report.Qemu.Status}: {report.Qemu.Error}");
            }
        }
        else
        {
            await player.ReportMigrationRunningAsync(VmNamespace, FixedVm, migration, migrationUid, sourceNode, targetNode, cancellationToken).ConfigureAwait(false);
            await activeRig.Central.NbctlAsync(["--wait=hv", "sync"], cancellationToken).ConfigureAwait(false);
            // The netns guest's "switchover": it stops on the source and announces itself from the target with
            // RARP, as QEMU does when the migrated guest resumes; the RARP activates the target binding.
            guestStoppedAt = DateTimeOffset.UtcNow;
            await NetworkNamespace.ExecCheckedAsync(source.Netns, "ip", ["link", "set", "eth0", "down"], cancellationToken: cancellationToken).ConfigureAwait(false);
            await RarpAnnouncer.SendAsync(target.Netns, "eth0", address.Mac, 3, cancellationToken).ConfigureAwait(false);
            await player.ReportMigrationSucceededAsync(VmNamespace, FixedVm, migration, migrationUid, sourceNode, targetNode, cancellationToken).ConfigureAwait(false);
            ((NetnsGuest)guest).MoveTo(target);
            await RetireLauncherAsync(source).ConfigureAwait(false);
        }

        var switchedAt = DateTimeOffset.UtcNow;
        var after = await WaitPortOptionsAsync(address.LogicalPort, targetNode, null, cancellationToken).ConfigureAwait(false);
        var migrationTime = stopwatch.Elapsed;
        evidence.Add($"controller (VMIM Succeeded): {address.LogicalPort} options {after}");
        var chassis = await WaitAsync($"{address.LogicalPort} to be bound on {targetNode}", ct => BoundChassisAsync(address.LogicalPort, targetNode, ct), cancellationToken).ConfigureAwait(false);
        var ipNode = await WaitAsync(
            $"IP {address.LogicalPort} to record node {targetNode}",
            async ct =>
            {
                var node = (await RequireApi().KubectlAsync(["get", "ip", address.LogicalPort, "-o", "jsonpath={.spec.nodeName}"], ct).ConfigureAwait(false)).Stdout.Trim();
                return node == targetNode ? node : null;
            },
            cancellationToken).ConfigureAwait(false);
        evidence.Add($"Port_Binding {address.LogicalPort} on chassis {chassis}; IP {address.LogicalPort} spec.nodeName={ipNode}; source pod {source.Pod.Name} deleted (CNI DEL)");

        // Let the probe see the VM on its new node for a moment before stopping it.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        var ping = await probe.StopAsync(cancellationToken).ConfigureAwait(false);
        if (ping.FirstReplyAfter(switchedAt) is null)
        {
            throw new InvalidOperationException($"{FixedVm} did not answer {proberName}'s pings after the migration ({ping.Transmitted} sent, {ping.Received} received)\n{activeRig.Diagnostics()}");
        }

        var phase = (await RequireApi().KubectlAsync(["get", "vmim", migration, "-n", VmNamespace, "-o", "jsonpath={.status.phase}"], cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        LastMigration = new MigrationFigures(ping.MaxGap, report?.ResumeToFirstDelivered, report?.Qemu.Downtime, report?.Qemu.PausedTime, migrationTime);
        evidence.Add($"VMIM {migration} phase {phase}; {FixedVm} runs on {guests[FixedVm].Launcher.Node.Name} ({guest.Kind})");
        if (guest is QemuGuest migrated)
        {
            var view = await migrated.QueryOverNetworkAsync(prober.Netns, cancellationToken).ConfigureAwait(false);
            var before = await migrated.ViewFromInsideAsync(cancellationToken).ConfigureAwait(false);
            if (view.BootId != before.BootId || view.Ip != before.Ip || !string.Equals(view.Mac, before.Mac, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{FixedVm} after the migration: {view}, before: {before}");
            }

            evidence.Add($"guest after the migration: {view}: same boot id (live, no reboot), same IP and MAC");
            evidence.Add(string.Create(CultureInfo.InvariantCulture,
                $"QEMU: downtime {Ms(report!.Qemu.Downtime)}, paused (STOP->RESUME) {Ms(report.Qemu.PausedTime)}, RESUME -> first packet to the guest on {targetNode} {Ms(report.ResumeToFirstDelivered)}, RAM {report.Qemu.RamTransferredBytes / 1048576.0:0.0} MiB"));
        }

        evidence.Add(string.Create(CultureInfo.InvariantCulture,
            $"ping every {ProbeInterval.TotalMilliseconds:0} ms from {proberName} ({prober.Node.Name}): {ping.Transmitted} sent, {ping.Received} received, longest gap {Ms(ping.MaxGap)}{GapPosition(ping, guestStoppedAt)}; migration took {migrationTime.TotalSeconds:0.0} s"));
        evidence.Add(LastMigration.ToString());
        return string.Join('\n', evidence);
    }

    /// <summary>Where the longest gap lies relative to the moment the guest stopped on the source (QEMU STOP / netns link down).</summary>
    private static string GapPosition(PingResult ping, DateTimeOffset guestStopped)
    {
        if (ping.Replies.Count < 2)
        {
            return string.Empty;
        }

        var (last, next) = ping.Replies.Zip(ping.Replies.Skip(1)).MaxBy(p => p.Second - p.First);
        return $" (last reply {Ms(last - guestStopped)} and next reply {Ms(next - guestStopped)} from the guest's stop on the source)";
    }

    private static string Ms(TimeSpan? value) =>
        value is { } v ? v.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms" : "n/a";

    /// <summary>Waits until the LSP's requested-chassis (and activation-strategy; null = absent) are what the controller must write.</summary>
    private Task<string> WaitPortOptionsAsync(string port, string requestedChassis, string? activationStrategy, CancellationToken cancellationToken) =>
        WaitAsync(
            $"the controller to set {port} requested-chassis={requestedChassis} activation-strategy={activationStrategy ?? "(none)"}",
            async ct =>
            {
                var chassis = await PortOptionAsync(port, "requested-chassis", ct).ConfigureAwait(false);
                var strategy = await PortOptionAsync(port, "activation-strategy", ct).ConfigureAwait(false);
                return chassis == requestedChassis && strategy == (activationStrategy ?? string.Empty)
                    ? $"requested-chassis={chassis}" + (strategy.Length > 0 ? " activation-strategy=" + strategy : string.Empty)
                    : null;
            },
            cancellationToken);

    private async Task<string> PortOptionAsync(string port, string key, CancellationToken cancellationToken) =>
        (await RequireRig().Central.NbctlAsync(["--if-exists", "get", "Logical_Switch_Port", port, "options:" + key], cancellationToken).ConfigureAwait(false)).Stdout.Trim().Trim('"');

    private async Task<string?> BoundChassisAsync(string port, string expected, CancellationToken cancellationToken)
    {
        var central = RequireRig().Central;
        var binding = await central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + port], cancellationToken).ConfigureAwait(false);
        var chassisUuid = binding.Stdout.Trim();
        if (chassisUuid.Length == 0)
        {
            return null;
        }

        var name = (await central.SbctlAsync(["--bare", "--columns=name", "list", "Chassis", chassisUuid], cancellationToken).ConfigureAwait(false)).Stdout.Trim();
        return name == expected ? name : null;
    }
}
