using VmNet.Sandbox.Guest;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// The peer pod: with QEMU guests no VM has a shell, so a plain pod on node2 with a NIC on each of the VMs'
/// networks (default + the Multus network) pings them from their subnets, carries the migration's 20 ms probe
/// and reaches the guests' netinfo/guestctl ports. Netns guests need none: vm-multi-nic's netns is the shell.
/// </summary>
public sealed partial class LifecycleDemo
{
    private const string PeerPod = "peer";
    private const int GuestPingCount = 3;
    private (LauncherPodSpec Pod, IReadOnlyList<NicAddress> Nics)? peerLauncher;
    private LauncherSandbox? peer;

    /// <summary>Where the demo's own probes run: the peer pod (QEMU guests) or vm-multi-nic's netns (netns guests).</summary>
    private LauncherSandbox Prober => peer
        ?? (guests[MultiNicVm].ShellNetns is not null ? guests[MultiNicVm].Launcher : null)
        ?? throw new InvalidOperationException($"no netns to probe from: no peer pod and {MultiNicVm} is a {guests[MultiNicVm].Kind}");

    private string ProberNetns => Prober.Netns;

    private string ProberName => peer is null ? MultiNicVm : "pod " + PeerPod;

    private async Task<IEnumerable<string>> StartPeerAsync(CancellationToken cancellationToken)
    {
        var networks = launchers[MultiNicVm].Pod.SecondaryNetworks;
        var pod = await RequireKubeVirt().CreatePeerPodAsync(VmNamespace, PeerPod, RequireRig().Nodes[1].Name, networks, cancellationToken).ConfigureAwait(false);
        var nics = await WaitForAddressesAsync(pod, cancellationToken).ConfigureAwait(false);
        peerLauncher = (pod, nics);
        return nics.Select(n => "  " + n).Prepend($"{PeerPod}: plain pod on {pod.Node} (the QEMU guests have no shell: the demo pings them from here)");
    }

    private async Task<LauncherSandbox?> NetworkPeerAsync(CancellationToken cancellationToken)
    {
        if (peerLauncher is not { } spec)
        {
            return null;
        }

        peer = await RequireNetwork().AddAsync(spec.Pod, spec.Nics, cancellationToken).ConfigureAwait(false);
        await RequireKubeVirt().ReportPodRunningAsync(VmNamespace, spec.Pod.Name, peer.Primary.Address.Ip, cancellationToken).ConfigureAwait(false);
        return peer;
    }

    private async Task RetirePeerAsync()
    {
        if (peer is { } sandbox)
        {
            peer = null;
            await RetireLauncherAsync(sandbox).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// vm-multi-nic as a QEMU guest: its netinfo lists both NICs with the controller's MAC and address, the peer
    /// pings each from the same subnet, and the guest pings its Multus gateway from inside.
    /// </summary>
    private async Task<IEnumerable<string>> ShowMultiNicGuestAsync(QemuGuest multiNic, CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        var activePeer = peer ?? throw new InvalidOperationException("the peer pod is not networked");
        var seen = await multiNic.QueryNicsAsync(activePeer.Netns, cancellationToken).ConfigureAwait(false);
        foreach (var nic in multiNic.Launcher.Nics.Select(n => n.Address))
        {
            var inGuest = seen.Values.FirstOrDefault(g => string.Equals(g.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"{MultiNicVm}'s guest has no NIC with the controller's MAC {nic.Mac} ({nic.Interface}); it reports {string.Join(", ", seen.Values)}");
            if (inGuest.IpCidr != nic.IpCidr)
            {
                throw new InvalidOperationException($"{MultiNicVm}'s guest NIC {inGuest.Device} ({nic.Mac}) has {inGuest.IpCidr}, the controller assigned {nic.IpCidr}");
            }

            var peerNic = activePeer.Nics.Single(p => p.Address.Switch == nic.Switch).Address;
            var ping = await PingFromNetnsAsync(activePeer.Netns, nic.Ip, peerNic.Interface, cancellationToken).ConfigureAwait(false);
            evidence.Add($"{MultiNicVm} guest {inGuest.Device} {inGuest.Mac} {inGuest.IpCidr} (netinfo over TCP) = controller's {nic.Interface} on {nic.Switch}; "
                + $"{PeerPod} {peerNic.Interface} ({peerNic.Ip}, {activePeer.Node.Name}) -> {nic.Ip}: {ping}");
        }

        var storage = multiNic.Launcher.Nics.Single(n => !n.Address.IsDefault).Address;
        var gateway = await GuestPingAsync(multiNic, storage.Gateway, cancellationToken).ConfigureAwait(false);
        evidence.Add($"{MultiNicVm} guest -> its Multus gateway {storage.Gateway} (ping inside the guest): {gateway.Summary}");
        return evidence;
    }

    /// <summary>The guest pings <paramref name="target"/> itself; every echo must come back.</summary>
    private async Task<GuestPing> GuestPingAsync(QemuGuest from, string target, CancellationToken cancellationToken)
    {
        var ping = await from.PingFromInsideAsync(ProberNetns, target, GuestPingCount, cancellationToken).ConfigureAwait(false);
        return ping.AllAnswered
            ? ping
            : throw new InvalidOperationException($"ping {target} inside {from.Vm}'s guest: {ping.Summary}\n{ping.Output}\n{RequireRig().Diagnostics()}");
    }

    private async Task<string> PingFromNetnsAsync(string netns, string target, string? device, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "-c", "4", "-i", "0.2", "-W", "1" };
        if (device is not null)
        {
            arguments.AddRange(["-I", device]);
        }

        arguments.Add(target);
        var result = await NetworkNamespace.ExecAsync(netns, "ping", arguments, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip netns exec {netns} ping {string.Join(' ', arguments)} failed:\n{result.Stdout}{result.Stderr}\n{RequireRig().Diagnostics()}");
        }

        return SummaryOfPing(result.Stdout);
    }
}
