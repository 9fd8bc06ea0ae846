using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// A VM on the rig that can be live-migrated between nodes: it owns the current QEMU and endpoint and, per
/// migration, builds the target endpoint, starts the -incoming QEMU with the same options, lets an
/// <see cref="IPortSwitchover"/> move the OVN port, migrates over a unix socket and tears down the loser.
/// </summary>
public sealed class MigratableVm : IAsyncDisposable
{
    private readonly Sandbox.Rig.Rig rig;
    private readonly IVmBinding binding;
    private readonly string directory;
    private int generation;

    private MigratableVm(Sandbox.Rig.Rig rig, string name, string logicalPort, QemuVmOptions options, IVmBinding binding, QemuVm qemu, string directory)
    {
        this.rig = rig;
        Name = name;
        LogicalPort = logicalPort;
        Options = options;
        this.binding = binding;
        Current = qemu;
        this.directory = directory;
    }

    public string Name { get; }

    public string LogicalPort { get; }

    public QemuVmOptions Options { get; }

    /// <summary>The QEMU that runs the guest now.</summary>
    public QemuVm Current { get; private set; }

    public OvsNode Node => Current.Attachment.Node;

    /// <summary>The GUEST-READY line from the first boot (contains the guest's netinfo).</summary>
    public string ReadyLine { get; private set; } = string.Empty;

    /// <summary>
    /// Plugs the VM into <paramref name="node"/> bound to <paramref name="logicalPort"/> (which must exist in NB,
    /// normally with requested-chassis=node), boots it and waits for GUEST-READY on its serial console.
    /// <paramref name="name"/> (at most 8 characters) must be unique in the rig, e.g. run id + "v".
    /// </summary>
    public static async Task<MigratableVm> BootAsync(
        Sandbox.Rig.Rig rig, OvsNode node, string name, string logicalPort, QemuVmOptions options, IVmBinding binding, TimeSpan bootTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(binding);
        var directory = Path.Combine(rig.Directory, "qemu-" + name);
        var attachment = await binding.AttachAsync(node, name, 0, logicalPort, rig.Manifest, cancellationToken).ConfigureAwait(false);
        QemuVm? qemu = null;
        try
        {
            qemu = await QemuVm.StartAsync(options, attachment, binding.NetdevOptions, directory, "vm-0", null, rig.Manifest, cancellationToken).ConfigureAwait(false);
            var vm = new MigratableVm(rig, name, logicalPort, options, binding, qemu, directory);
            vm.ReadyLine = await qemu.WaitForSerialAsync(GuestImage.ReadyMarker, bootTimeout, cancellationToken).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            if (qemu is not null)
            {
                await qemu.DisposeAsync().ConfigureAwait(false);
            }

            await attachment.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Live-migrates to <paramref name="target"/>. On success the VM runs there and the source endpoint is gone; otherwise it stays on the source.</summary>
    public async Task<MigrationReport> MigrateToAsync(OvsNode target, IPortSwitchover switchover, MigrationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(switchover);
        ArgumentNullException.ThrowIfNull(options);
        if (target.Name == Node.Name)
        {
            throw new ArgumentException($"VM {Name} already runs on {target.Name}", nameof(target));
        }

        var source = Current;
        var gen = ++generation;
        var role = "vm-" + gen.ToString(CultureInfo.InvariantCulture);
        var targetAttachment = await binding.AttachAsync(target, Name, gen, null, rig.Manifest, cancellationToken).ConfigureAwait(false);
        var signals = new MigrationSignals();
        var context = new PortSwitchoverContext(rig.Central, LogicalPort, source.Attachment, targetAttachment) { Signals = signals };
        QemuVm? incoming = null;
        var switchoverStarted = false;
        var switchoverFinished = false;
        using var signalStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var forwarding = Task.CompletedTask;
        try
        {
            await using var capture = await TapCapture.StartAsync(targetAttachment.QemuNetns, targetAttachment.Tap, cancellationToken).ConfigureAwait(false);
            switchoverStarted = true;
            await switchover.BeforeMigrationAsync(context, cancellationToken).ConfigureAwait(false);
            var channel = Path.Combine(directory, role + ".migration.sock");
            File.Delete(channel);
            incoming = await QemuVm.StartAsync(Options, targetAttachment, binding.NetdevOptions, directory, role, "unix:" + channel, rig.Manifest, cancellationToken).ConfigureAwait(false);
            forwarding = ForwardSignalsAsync(source, incoming, signals, DateTimeOffset.UtcNow, options.Timeout + TimeSpan.FromSeconds(30), signalStop.Token);
            var result = await LiveMigration.MigrateAsync(source, incoming, "unix:" + channel, options, cancellationToken).ConfigureAwait(false);
            if (result.Completed)
            {
                // The guest now lives only in the target QEMU: it must never be torn down from here on.
                Current = incoming;
                incoming = null;
                switchoverFinished = true;
                // Normally fired from QMP events already; QEMU's own account stands in if an event was missed.
                signals.ReportTargetResumed(result.TargetResumedAt ?? result.FinishedSeenAt);
                signals.ReportSourceCompleted(result.FinishedSeenAt);
                await switchover.AfterCompletedAsync(context, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                switchoverFinished = true;
                signals.Abandon();
                await switchover.AfterFailedAsync(context, cancellationToken).ConfigureAwait(false);
            }

            var switchedAt = DateTimeOffset.UtcNow;
            CapturedFrame? first = null;
            var bySender = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
            if (result.TargetResumedAt is { } resumed)
            {
                first = await capture.WaitFirstTowardGuestAsync(Options.Mac, resumed, options.DeliveryWait, cancellationToken).ConfigureAwait(false);
                await capture.WaitTowardGuestFromAllAsync(Options.Mac, options.Senders, resumed, options.DeliveryWait, cancellationToken).ConfigureAwait(false);
                foreach (var sender in options.Senders)
                {
                    if (capture.FirstTowardGuestFrom(Options.Mac, sender, resumed) is { } frame)
                    {
                        bySender[sender] = frame.Timestamp - resumed;
                    }
                }
            }

            var frames = capture.Frames;
            var report = new MigrationReport
            {
                Switchover = switchover.Name,
                SourceNode = source.Attachment.Node.Name,
                TargetNode = target.Name,
                Qemu = result,
                SwitchoverDoneAt = switchedAt,
                FirstDeliveredAfterResume = first,
                FirstDeliveredBySender = bySender,
                DeliveredBeforeResume = result.TargetResumedAt is { } r
                    ? frames.Count(f => f.TowardGuest && f.Timestamp < r && string.Equals(f.Destination, Options.Mac, StringComparison.OrdinalIgnoreCase))
                    : 0,
                RarpAfterResume = result.TargetResumedAt is { } r2
                    ? frames.Where(f => !f.TowardGuest && f.EtherType == CapturedFrame.Rarp && f.Timestamp >= r2 - TimeSpan.FromMilliseconds(50)).Select(f => f.Timestamp - r2).ToList()
                    : [],
            };

            if (result.Completed)
            {
                await source.StopAsync(cancellationToken).ConfigureAwait(false);
                await source.Attachment.RemoveAsync(cancellationToken).ConfigureAwait(false);
            }

            return report;
        }
        catch (Exception ex) when (switchoverStarted && !switchoverFinished)
        {
            // The guest still runs on the source: put the port back the way a failed migration leaves it.
            signals.Abandon();
            try
            {
                await switchover.AfterFailedAsync(context, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is RigCommandException or QemuException)
            {
                throw new AggregateException($"migration of {Name} to {target.Name} failed and restoring the port failed too", ex, cleanup);
            }

            throw;
        }
        finally
        {
            // Before any QEMU goes: the forwarder waits on their QMP connections.
            await signalStop.CancelAsync().ConfigureAwait(false);
            await forwarding.ConfigureAwait(false);
            if (incoming is not null)
            {
                await incoming.DisposeAsync().ConfigureAwait(false);
            }

            if (Current.Attachment != targetAttachment)
            {
                await targetAttachment.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Fires <paramref name="signals"/> from QEMU's own events as they arrive, so a switchover can react at RESUME
    /// (as KubeVirt's virt-handlers react to libvirt's domain events) while the harness still polls query-migrate.
    /// </summary>
    private static Task ForwardSignalsAsync(QemuVm source, QemuVm target, MigrationSignals signals, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.WhenAll(
            ForwardAsync(target.Qmp.WaitForEventAsync("RESUME", since, timeout, cancellationToken), signals.ReportTargetResumed),
            ForwardAsync(source.Qmp.WaitForEventAsync("MIGRATION", IsCompleted, since, timeout, cancellationToken), signals.ReportSourceCompleted));

    private static async Task ForwardAsync(Task<QmpEvent> wait, Action<DateTimeOffset> report)
    {
        try
        {
            report((await wait.ConfigureAwait(false)).Timestamp);
        }
        catch (Exception ex) when (ex is OperationCanceledException or QemuException)
        {
            // The migration ended otherwise (or the harness reports from query-migrate instead).
        }
    }

    private static bool IsCompleted(QmpEvent e) =>
        e.Data.ValueKind == System.Text.Json.JsonValueKind.Object && e.Data.TryGetProperty("status", out var status) && status.GetString() == "completed";

    public async ValueTask DisposeAsync()
    {
        await Current.DisposeAsync().ConfigureAwait(false);
        await Current.Attachment.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
