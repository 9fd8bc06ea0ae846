using System.Globalization;
using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>Creates a vhost-user port for a launcher pod on a node (the daemon's ADD); returns the socket path inside the pod's volume.</summary>
public delegate Task<string> PlugVhostUser(OvsNode node, string podUid, string portName, CancellationToken cancellationToken);

/// <summary>Removes it again (the daemon's DEL).</summary>
public delegate Task UnplugVhostUser(OvsNode node, string portName, CancellationToken cancellationToken);

/// <summary>
/// A VM with one vhost-user NIC, live-migrated between DPDK nodes the way KubeVirt + VmNet do it: the LSP goes
/// multi-chassis (<see cref="IVhostUserSwitchover.BeginAsync"/>), the target launcher pod gets its own vhost-user
/// port with the same iface-id, QEMU migrates, the port ends on the target alone and the source port is removed.
/// A pod pings the VM and keeps a TCP echo connection open through each migration; an optional second pod (on
/// another node) pings it too.
/// </summary>
public sealed class VhostUserMigrationHarness(
    Rig rig,
    IVhostUserSwitchover switchover,
    QemuVmOptions vm,
    bool guestAnnounceOff,
    PlugVhostUser plug,
    UnplugVhostUser unplug,
    TestPod prober,
    TestPod? otherProber = null) : IAsyncDisposable
{
    private int generation;
    private (OvsNode Node, string Port, VhostUserVm Vm)? current;

    /// <summary>The running QEMU (source until a migration completes, then the target).</summary>
    public VhostUserVm? Vm => current?.Vm;

    public OvsNode? Node => current?.Node;

    /// <summary>Interval of the probers' pings during a migration (bounds how finely gaps and first replies resolve).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    private string Directory => Path.Combine(rig.Directory, "vhu-vm");

    /// <summary>Boots the guest on <paramref name="node"/> and waits until the prober reaches it.</summary>
    public async Task BootAsync(OvsNode node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        await switchover.BootAsync(node, cancellationToken).ConfigureAwait(false);
        var (port, socket) = await PlugAsync(node, cancellationToken).ConfigureAwait(false);
        var started = await VhostUserVm.StartAsync(vm, socket, guestAnnounceOff, Directory, "g" + generation.ToString(CultureInfo.InvariantCulture), null, rig.Manifest, cancellationToken).ConfigureAwait(false);
        current = (node, port, started);
        await started.WaitForSerialAsync(GuestImage.ReadyMarker, timeout, cancellationToken).ConfigureAwait(false);
        await WaitReachableAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    public async Task<VhostUserMigrationSample> MigrateToAsync(OvsNode target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (source, sourcePort, sourceVm) = current ?? throw new InvalidOperationException("BootAsync first");
        var ping = PingProbe.Start(prober.Netns, vm.Ip, PingInterval);
        var otherPing = otherProber is null ? null : PingProbe.Start(otherProber.Netns, vm.Ip, PingInterval);
        var tcp = await TcpEchoProbe.StartAsync(prober.Netns, vm.Ip, GuestImage.EchoPort, cancellationToken).ConfigureAwait(false);
        VhostUserVm? targetVm = null;
        string? targetPort = null;
        try
        {
            // Bound on both chassis first: the target's CNI ADD waits for ovn-installed, which needs the target chassis requested.
            var activation = await switchover.BeginAsync(source, target, cancellationToken).ConfigureAwait(false);
            (targetPort, var socket) = await PlugAsync(target, cancellationToken).ConfigureAwait(false);
            var uri = "unix:" + Path.Combine(Directory, "mig" + generation.ToString(CultureInfo.InvariantCulture) + ".sock");
            targetVm = await VhostUserVm.StartAsync(vm, socket, guestAnnounceOff, Directory, "g" + generation.ToString(CultureInfo.InvariantCulture), uri, rig.Manifest, cancellationToken).ConfigureAwait(false);

            var result = await VhostUserLiveMigration.MigrateAsync(sourceVm, targetVm, uri, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
            if (!result.Completed)
            {
                throw new QemuException($"vhost-user migration {source.Name} -> {target.Name} ended '{result.Status}': {result.Error}");
            }

            // The controller's switchover after "completed": only the target chassis keeps the port.
            await switchover.CompleteAsync(source, target, cancellationToken).ConfigureAwait(false);
            current = (target, targetPort, targetVm);
            targetVm = null;
            targetPort = null;
            await sourceVm.StopAsync().ConfigureAwait(false);
            await unplug(source, sourcePort, cancellationToken).ConfigureAwait(false);

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            var tcpResult = await tcp.StopAsync(cancellationToken).ConfigureAwait(false);
            var pingResult = await ping.StopAsync(cancellationToken).ConfigureAwait(false);
            var otherResult = otherPing is null ? null : await otherPing.StopAsync(cancellationToken).ConfigureAwait(false);
            return new VhostUserMigrationSample(source.Name, target.Name, result, pingResult, tcpResult, activation) { OtherPing = otherResult };
        }
        catch
        {
            if (targetVm is not null)
            {
                await targetVm.StopAsync().ConfigureAwait(false);
            }

            if (targetPort is not null)
            {
                await unplug(target, targetPort, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            await tcp.DisposeAsync().ConfigureAwait(false);
            await ping.DisposeAsync().ConfigureAwait(false);
            if (otherPing is not null)
            {
                await otherPing.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Pings until the VM answers (the first packets after boot or migration may need ARP and flows).</summary>
    public async Task WaitReachableAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await prober.PingAsync(vm.Ip, 1, ["-W", "1"], cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new QemuException($"VM {vm.Ip} not reachable from {prober.Name} within {timeout.TotalSeconds:0} s");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (current is { } c)
        {
            await c.Vm.StopAsync().ConfigureAwait(false);
            await unplug(c.Node, c.Port, CancellationToken.None).ConfigureAwait(false);
            current = null;
        }
    }

    private async Task<(string Port, string Socket)> PlugAsync(OvsNode node, CancellationToken cancellationToken)
    {
        generation++;
        var port = rig.RunId.Value + "m" + generation.ToString(CultureInfo.InvariantCulture);
        var socket = await plug(node, "vmpod-" + generation.ToString(CultureInfo.InvariantCulture), port, cancellationToken).ConfigureAwait(false);
        return (port, socket);
    }
}
