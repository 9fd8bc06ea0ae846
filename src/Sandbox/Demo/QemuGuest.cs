using VmNet.Sandbox.Guest;
using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// A real QEMU (TCG) guest in the launcher pod, bridge binding: the Debian cloud kernel with the busybox test
/// initramfs (src/Sandbox/Guest), its eth0 configured with the controller's IP/MAC, live-migratable over QMP.
/// </summary>
public sealed class QemuGuest : IDemoGuest
{
    private readonly LauncherBridgeBinding binding;

    private QemuGuest(string vm, MigratableVm machine, LauncherBridgeBinding binding, string readyLine)
    {
        Vm = vm;
        Machine = machine;
        this.binding = binding;
        ReadyLine = readyLine;
    }

    /// <summary>The complete GUEST-READY line of the boot (with the guest's netinfo).</summary>
    public string ReadyLine { get; }

    public string Vm { get; }

    public string Kind => "QEMU guest";

    public MigratableVm Machine { get; }

    public LauncherSandbox Launcher => binding.LauncherOf(Machine.Current.Attachment);

    public string? ShellNetns => null;

    public LauncherBridgeBinding Binding => binding;

    /// <summary>Boots the guest in <paramref name="launcher"/> (already networked) and waits for GUEST-READY.</summary>
    public static async Task<QemuGuest> BootAsync(
        global::VmNet.Sandbox.Rig.Rig rig, string machineName, LauncherSandbox launcher, GuestImage image, Func<LauncherSandbox, Task> retire, TimeSpan bootTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(launcher);
        var binding = new LauncherBridgeBinding(retire);
        binding.Prepare(0, launcher);
        var primary = launcher.Primary.Address;
        var options = new QemuVmOptions
        {
            Guest = image,
            Mac = primary.Mac,
            IpCidr = primary.IpCidr,
            Gateway = primary.Gateway.Length > 0 ? primary.Gateway : null,
            Mtu = rig.Options.PodMtu,
            ExtraNics = LauncherBridgeBinding.SecondaryNics(launcher)
                .Select(x => new QemuNic(x.Nic.Address.Mac, x.Nic.Address.IpCidr, LauncherBridgeBinding.SecondaryTap(x.Index))
                {
                    Gateway = x.Nic.Address.Gateway.Length > 0 ? x.Nic.Address.Gateway : null,
                })
                .ToList(),
        };
        var machine = await MigratableVm.BootAsync(rig, launcher.Node, machineName, primary.LogicalPort, options, binding, bootTimeout, cancellationToken).ConfigureAwait(false);
        // MigratableVm waited for the whole GUEST-READY line (newline-terminated), not just its first characters.
        return new QemuGuest(launcher.Pod.Vm, machine, binding, machine.ReadyLine);
    }

    /// <summary>The GUEST-READY line of the first boot, printed by the guest's init on its serial console.</summary>
    public Task<GuestView> ViewFromInsideAsync(CancellationToken cancellationToken)
    {
        var line = ReadyLine;
        var info = GuestNetInfo.Parse(line[(line.IndexOf(GuestImage.ReadyMarker, StringComparison.Ordinal) + GuestImage.ReadyMarker.Length)..]);
        return Task.FromResult(new GuestView(info.Mac, info.IpCidr, info.BootId, "guest serial console: " + line));
    }

    /// <summary>The guest's netinfo service (TCP 5001), asked over the VM network from <paramref name="fromNetns"/>.</summary>
    public async Task<GuestView> QueryOverNetworkAsync(string fromNetns, CancellationToken cancellationToken)
    {
        var info = await GuestNetInfo.QueryAsync(fromNetns, Machine.Options.Ip, cancellationToken).ConfigureAwait(false);
        return new GuestView(info.Mac, info.IpCidr, info.BootId, $"netinfo {Machine.Options.Ip}:{GuestImage.NetInfoPort} from {fromNetns}");
    }

    /// <summary>Every NIC the guest has, from its netinfo (TCP 5001) asked from <paramref name="fromNetns"/>.</summary>
    public async Task<IReadOnlyDictionary<string, GuestNic>> QueryNicsAsync(string fromNetns, CancellationToken cancellationToken)
    {
        var line = await GuestControl.QueryNetInfoLineAsync(fromNetns, Machine.Options.Ip, cancellationToken).ConfigureAwait(false);
        return GuestControl.NicsOf(line);
    }

    /// <summary>Has the guest itself ping <paramref name="target"/> (guestctl on TCP 5002, reached from <paramref name="fromNetns"/>).</summary>
    public Task<GuestPing> PingFromInsideAsync(string fromNetns, string target, int count, CancellationToken cancellationToken) =>
        GuestControl.PingAsync(fromNetns, Machine.Options.Ip, target, count, cancellationToken);

    public ValueTask DisposeAsync() => Machine.DisposeAsync();
}
