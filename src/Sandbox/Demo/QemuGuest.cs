using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// A real QEMU (TCG) guest in the launcher pod, bridge binding: the Debian cloud kernel with the busybox test
/// initramfs (src/Sandbox/Guest), its eth0 configured with the controller's IP/MAC, live-migratable over QMP.
/// </summary>
public sealed class QemuGuest : IDemoGuest
{
    private readonly LauncherBridgeBinding binding;

    private QemuGuest(string vm, MigratableVm machine, LauncherBridgeBinding binding)
    {
        Vm = vm;
        Machine = machine;
        this.binding = binding;
    }

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
        };
        var machine = await MigratableVm.BootAsync(rig, launcher.Node, machineName, primary.LogicalPort, options, binding, bootTimeout, cancellationToken).ConfigureAwait(false);
        return new QemuGuest(launcher.Pod.Vm, machine, binding);
    }

    /// <summary>The GUEST-READY line of the first boot, printed by the guest's init on its serial console.</summary>
    public Task<GuestView> ViewFromInsideAsync(CancellationToken cancellationToken)
    {
        var line = Machine.ReadyLine;
        var info = GuestNetInfo.Parse(line[(line.IndexOf(GuestImage.ReadyMarker, StringComparison.Ordinal) + GuestImage.ReadyMarker.Length)..]);
        return Task.FromResult(new GuestView(info.Mac, info.IpCidr, info.BootId, "guest serial console: " + line));
    }

    /// <summary>The guest's netinfo service (TCP 5001), asked over the VM network from <paramref name="fromNetns"/>.</summary>
    public async Task<GuestView> QueryOverNetworkAsync(string fromNetns, CancellationToken cancellationToken)
    {
        var info = await GuestNetInfo.QueryAsync(fromNetns, Machine.Options.Ip, cancellationToken).ConfigureAwait(false);
        return new GuestView(info.Mac, info.IpCidr, info.BootId, $"netinfo {Machine.Options.Ip}:{GuestImage.NetInfoPort} from {fromNetns}");
    }

    public ValueTask DisposeAsync() => Machine.DisposeAsync();
}
