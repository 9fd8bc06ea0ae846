using System.Globalization;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Builds qemu-system-x86_64 arguments. <see cref="Machine"/> is everything that defines the guest and must
/// be identical on the migration source and target (including the empty romfile=: a different or missing
/// option ROM size breaks the migration stream); <see cref="Build"/> adds the per-process parts.
/// </summary>
public static class QemuCommandLine
{
    public const string Binary = "qemu-system-x86_64";

    /// <summary>Guest-defining arguments: memory, kernel, command line, NIC model and MAC, tap name.</summary>
    public static IReadOnlyList<string> Machine(QemuVmOptions options, string tap, string netdevExtra)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var append = "console=ttyS0 quiet panic=-1 vmip=" + options.IpCidr
            + (options.Gateway is null ? string.Empty : " vmgw=" + options.Gateway)
            + " vmmtu=" + options.Mtu.ToString(CultureInfo.InvariantCulture)
            + string.Concat(options.ExtraNics.Select((n, i) => string.Create(CultureInfo.InvariantCulture, $" vmnic{i + 1}={n.KernelArgument}")));
        List<string> args =
        [
            "-name", "vmnet-guest", "-accel", options.Accelerator, "-machine", options.Machine,
            "-m", options.MemoryMb.ToString(CultureInfo.InvariantCulture), "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", options.Guest.KernelPath, "-initrd", options.Guest.InitrdPath, "-append", append,
            "-netdev", $"tap,id=net0,ifname={tap},script=no,downscript=no,vhost=off{netdevExtra}",
            "-device", string.Create(CultureInfo.InvariantCulture, $"virtio-net-pci,netdev=net0,mac={options.Mac},host_mtu={options.Mtu},romfile="),
        ];
        for (var i = 0; i < options.ExtraNics.Count; i++)
        {
            var nic = options.ExtraNics[i];
            var id = string.Create(CultureInfo.InvariantCulture, $"net{i + 1}");
            args.AddRange(
            [
                "-netdev", $"tap,id={id},ifname={nic.Tap},script=no,downscript=no,vhost=off{netdevExtra}",
                "-device", string.Create(CultureInfo.InvariantCulture, $"virtio-net-pci,netdev={id},mac={nic.Mac},host_mtu={options.Mtu},romfile="),
            ]);
        }

        return args;
    }

    /// <summary>The full argument list: <see cref="Machine"/> plus serial log, QMP socket, pidfile, -daemonize and optional -incoming.</summary>
    public static IReadOnlyList<string> Build(QemuVmOptions options, string tap, string netdevExtra, string serialLog, string qmpSocket, string pidFile, string? incomingUri)
    {
        var args = Machine(options, tap, netdevExtra).ToList();
        args.AddRange(
        [
            "-chardev", "file,id=ser0,path=" + serialLog, "-serial", "chardev:ser0",
            "-qmp", "unix:" + qmpSocket + ",server=on,wait=off",
            "-pidfile", pidFile, "-daemonize",
        ]);
        if (incomingUri is not null)
        {
            args.AddRange(["-incoming", incomingUri]);
        }

        return args;
    }
}
