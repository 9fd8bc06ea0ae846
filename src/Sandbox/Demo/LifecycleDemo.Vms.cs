using System.Globalization;
using System.Text.Json.Nodes;
using VmNet.Ipam;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>The VMs: launcher pods addressed by the controller, networked, guests booted, pinged, restarted, deleted.</summary>
public sealed partial class LifecycleDemo
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private readonly Dictionary<string, IDemoGuest> guests = [];
    private readonly Dictionary<string, (LauncherPodSpec Pod, IReadOnlyList<NicAddress> Nics)> launchers = [];
    private int machineCounter;

    /// <summary>The demo's VMs and their first nodes.</summary>
    private (string Vm, int Node)[] Placement => [(FixedVm, 0), (MultiNicVm, 0), (RandomVm, 1)];

    private async Task<string> StartVmsAsync(CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        foreach (var (vm, node) in Placement)
        {
            var (pod, nics) = await StartLauncherAsync(vm, RequireRig().Nodes[node].Name, cancellationToken).ConfigureAwait(false);
            var json = await RequireKubeVirt().GetJsonAsync(["get", "pod", pod.Name, "-n", VmNamespace, "-o", "json"], cancellationToken).ConfigureAwait(false);
            var owner = json["metadata"]?["ownerReferences"]?[0];
            var labels = json["metadata"]?["labels"] as JsonObject;
            evidence.Add($"{vm}: VMI {VmNamespace}/{vm} (owner VirtualMachine/{vm}); pod {pod.Name} on {pod.Node}, owner {owner?["kind"]}/{owner?["name"]} controller={owner?["controller"]}, "
                + $"labels kubevirt.io={labels?["kubevirt.io"]} vm.kubevirt.io/name={labels?["vm.kubevirt.io/name"]}");
            if (json["metadata"]?["annotations"]?[KubeVirtPlayer.MultusNetworksAnnotation]?.GetValue<string>() is { } networks)
            {
                evidence.Add($"  {KubeVirtPlayer.MultusNetworksAnnotation}: {networks}");
            }

            evidence.AddRange(nics.Select(n => "  " + n));
        }

        if (selection?.UseQemu == true)
        {
            evidence.AddRange(await StartPeerAsync(cancellationToken).ConfigureAwait(false));
        }

        ExpectAddress(FixedVm, PortNames.DefaultProvider, "10.100.0.10");
        ExpectAddress(MultiNicVm, "storage.vmnet-demo.ovn", "10.101.0.20");
        var ips = await RequireApi().KubectlAsync(["get", "ips"], cancellationToken).ConfigureAwait(false);
        evidence.Add("kubectl get ips:");
        evidence.Add(ips.Stdout.TrimEnd());
        return string.Join('\n', evidence);
    }

    private async Task<string> BootGuestsAsync(CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        var sandboxes = new List<LauncherSandbox>();
        foreach (var (vm, _) in Placement)
        {
            var sandbox = await RequireNetwork().AddAsync(launchers[vm].Pod, launchers[vm].Nics, cancellationToken).ConfigureAwait(false);
            sandboxes.Add(sandbox);
            evidence.Add($"{vm}: pod {sandbox.Pod.Name} netns {sandbox.Netns} on {sandbox.Node.Name}: "
                + string.Join(", ", sandbox.Nics.Select(n => $"{n.Address.Interface} -> br-int port {n.HostInterface} iface-id={n.Address.LogicalPort}")));
        }

        if (await NetworkPeerAsync(cancellationToken).ConfigureAwait(false) is { } networkedPeer)
        {
            evidence.Add($"{PeerPod}: pod {networkedPeer.Pod.Name} netns {networkedPeer.Netns} on {networkedPeer.Node.Name}: "
                + string.Join(", ", networkedPeer.Nics.Select(n => $"{n.Address.Interface} {n.Address.IpCidr} -> br-int port {n.HostInterface}")));
        }

        await RequireRig().SyncHypervisorsAsync(cancellationToken).ConfigureAwait(false);
        var plugged = sandboxes.SelectMany(s => s.Nics).Concat(peer?.Nics ?? []).ToList();
        foreach (var nic in plugged)
        {
            await RequireRig().WaitPortUpAsync(nic.Address.LogicalPort, cancellationToken).ConfigureAwait(false);
        }

        evidence.Add("logical ports up: " + string.Join(", ", plugged.Select(n => n.Address.LogicalPort)));

        // QEMU boots run in parallel: TCG boots are the slow part of the demo.
        var booted = await Task.WhenAll(sandboxes.Select(s => BootGuestAsync(s, cancellationToken))).ConfigureAwait(false);
        foreach (var guest in booted)
        {
            evidence.Add(await DescribeGuestAsync(guest, cancellationToken).ConfigureAwait(false));
        }

        var pods = await RequireApi().KubectlAsync(["get", "pods", "-n", VmNamespace, "-o", "wide"], cancellationToken).ConfigureAwait(false);
        evidence.Add("kubectl get pods -n " + VmNamespace + " -o wide:");
        evidence.Add(pods.Stdout.TrimEnd());
        return string.Join('\n', evidence);
    }

    private async Task<string> PingVmsAsync(CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        foreach (var from in guests.Values.Where(g => g.ShellNetns is not null).ToList())
        {
            foreach (var to in guests.Values.Where(g => g != from).ToList())
            {
                evidence.Add(await PingAsync(from, to, cancellationToken).ConfigureAwait(false));
            }
        }

        // QEMU guests ping each other from inside (guestctl), all pairs at once: each busybox ping takes ~2 s.
        var qemuPairs = guests.Values.OfType<QemuGuest>().SelectMany(from => guests.Values.Where(to => to != from).Select(to => (from, to))).ToList();
        evidence.AddRange(await Task.WhenAll(qemuPairs.Select(p => PingAsync(p.from, p.to, cancellationToken))).ConfigureAwait(false));

        var multiNic = guests[MultiNicVm];
        if (multiNic is QemuGuest multiNicQemu)
        {
            evidence.AddRange(await ShowMultiNicGuestAsync(multiNicQemu, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            var storage = multiNic.Launcher.Nics.Single(n => !n.Address.IsDefault).Address;
            var gateway = await PingFromAsync(multiNic, storage.Gateway, storage.Interface, cancellationToken).ConfigureAwait(false);
            evidence.Add($"{MultiNicVm} {storage.Interface} ({storage.Ip}, Multus NIC on {storage.Switch}) -> its gateway {storage.Gateway}: {gateway}");
        }

        foreach (var qemu in guests.Values.OfType<QemuGuest>())
        {
            var view = await qemu.QueryOverNetworkAsync(ProberNetns, cancellationToken).ConfigureAwait(false);
            evidence.Add($"{qemu.Vm} answers over TCP from {ProberName}: {view}");
        }

        return string.Join('\n', evidence);
    }

    private async Task<string> RestartVmAsync(CancellationToken cancellationToken)
    {
        var before = guests[RandomVm];
        var beforeView = await before.ViewFromInsideAsync(cancellationToken).ConfigureAwait(false);
        var node = before.Launcher.Node.Name;
        var oldPod = before.Launcher.Pod.Name;
        // KubeVirt's restart: the VMI is deleted (its launcher pod goes with it, CNI DEL), then created anew.
        await RequireKubeVirt().StopAsync(VmNamespace, RandomVm, cancellationToken).ConfigureAwait(false);
        guests.Remove(RandomVm);
        await before.DisposeAsync().ConfigureAwait(false);

        var (pod, nics) = await StartLauncherAsync(RandomVm, node, cancellationToken).ConfigureAwait(false);
        var sandbox = await RequireNetwork().AddAsync(pod, nics, cancellationToken).ConfigureAwait(false);
        await RequireRig().WaitPortUpAsync(sandbox.Primary.Address.LogicalPort, cancellationToken).ConfigureAwait(false);
        var after = await BootGuestAsync(sandbox, cancellationToken).ConfigureAwait(false);
        var afterView = await after.ViewFromInsideAsync(cancellationToken).ConfigureAwait(false);
        if (afterView.Ip != beforeView.Ip || !string.Equals(afterView.Mac, beforeView.Mac, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{RandomVm} changed address across a restart: {beforeView} -> {afterView}");
        }

        if (afterView.BootId == beforeView.BootId)
        {
            throw new InvalidOperationException($"{RandomVm} was not restarted: same boot id {afterView.BootId}");
        }

        var ping = await PingAsync(guests[MultiNicVm], after, cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            $"VMI deleted: pod {oldPod} gone, guest stopped; new VMI, pod {pod.Name} on {node}",
            $"before: {beforeView}",
            $"after:  {afterView}",
            $"same IP and MAC, new boot id",
            ping);
    }

    private async Task<string> DeleteVmAsync(CancellationToken cancellationToken)
    {
        var guest = guests[RandomVm];
        var address = guest.Launcher.Primary.Address;
        var client = RequireApi();
        await client.KubectlAsync(["delete", "virtualmachine", RandomVm, "-n", VmNamespace, "--wait=true"], cancellationToken).ConfigureAwait(false);
        // Deleting the VM takes its VMI and launcher pod with it (ownerReferences), as in a real cluster.
        var left = await client.KubectlAsync(["get", "vmi,pods", "-n", VmNamespace, "-l", "vm.kubevirt.io/name=" + RandomVm, "-o", "name"], cancellationToken).ConfigureAwait(false);
        guests.Remove(RandomVm);
        await guest.DisposeAsync().ConfigureAwait(false);
        var ips = await WaitAsync(
            $"the controller to release {address.Ip} (IP {address.LogicalPort} gone)",
            async ct =>
            {
                var list = await client.KubectlAsync(["get", "ips"], ct).ConfigureAwait(false);
                return list.Stdout.Contains(address.LogicalPort, StringComparison.Ordinal) ? null : list.Stdout;
            },
            cancellationToken).ConfigureAwait(false);
        var ports = await RequireRig().Central.NbctlAsync(["lsp-list", address.Switch], cancellationToken).ConfigureAwait(false);
        if (ports.Stdout.Contains("(" + address.LogicalPort + ")", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"logical port {address.LogicalPort} is still on {address.Switch}:\n{ports.Stdout}");
        }

        return string.Join('\n',
            $"kubectl delete vm {RandomVm}: {address.Ip} released; VMI/launcher pods left: {(left.Stdout.Trim().Length == 0 ? "none" : left.Stdout.Trim())}; guest stopped",
            "kubectl get ips:",
            ips.TrimEnd(),
            $"ovn-nbctl lsp-list {address.Switch}:",
            ports.Stdout.TrimEnd());
    }

    /// <summary>Creates the VMI and launcher pod and waits for the controller to address every NIC.</summary>
    private async Task<(LauncherPodSpec Pod, IReadOnlyList<NicAddress> Nics)> StartLauncherAsync(string vm, string node, CancellationToken cancellationToken)
    {
        var pod = await RequireKubeVirt().StartAsync(VmNamespace, vm, node, cancellationToken).ConfigureAwait(false);
        var nics = await WaitForAddressesAsync(pod, cancellationToken).ConfigureAwait(false);
        launchers[vm] = (pod, nics);
        return (pod, nics);
    }

    private Task<IReadOnlyList<NicAddress>> WaitForAddressesAsync(LauncherPodSpec pod, CancellationToken cancellationToken) =>
        WaitAsync(
            $"the controller to address pod {pod.Namespace}/{pod.Name}",
            async ct =>
            {
                var json = await RequireKubeVirt().GetJsonAsync(["get", "pod", pod.Name, "-n", pod.Namespace, "-o", "json"], ct).ConfigureAwait(false);
                return NicAddress.AllOf(json, pod.Vm, pod.SecondaryNetworks);
            },
            cancellationToken);

    private void ExpectAddress(string vm, string provider, string ip)
    {
        var nic = launchers[vm].Nics.Single(n => n.Provider == provider);
        if (nic.Ip != ip)
        {
            throw new InvalidOperationException($"{vm} asked for {ip} on {provider} in its template annotation but got {nic.Ip}");
        }
    }

    /// <summary>Boots the VM's guest in its networked launcher pod and reports the VMI running.</summary>
    private async Task<IDemoGuest> BootGuestAsync(LauncherSandbox sandbox, CancellationToken cancellationToken)
    {
        var activeSelection = selection ?? throw new InvalidOperationException("the guests were not chosen");
        IDemoGuest guest = activeSelection.UseQemu
            ? await QemuGuest.BootAsync(
                RequireRig(), "guest" + Interlocked.Increment(ref machineCounter).ToString(CultureInfo.InvariantCulture), sandbox, activeSelection.Image!, RetireLauncherAsync, BootTimeout, cancellationToken).ConfigureAwait(false)
            : new NetnsGuest(sandbox, RetireLauncherAsync);
        lock (guests)
        {
            guests[sandbox.Pod.Vm] = guest;
        }

        await RequireKubeVirt().ReportPodRunningAsync(VmNamespace, sandbox.Pod.Name, sandbox.Primary.Address.Ip, cancellationToken).ConfigureAwait(false);
        await RequireKubeVirt().ReportRunningAsync(VmNamespace, sandbox.Pod.Vm, sandbox.Node.Name, cancellationToken).ConfigureAwait(false);
        return guest;
    }

    private static async Task<string> DescribeGuestAsync(IDemoGuest guest, CancellationToken cancellationToken)
    {
        var view = await guest.ViewFromInsideAsync(cancellationToken).ConfigureAwait(false);
        var primary = guest.Launcher.Primary.Address;
        if (view.Ip != primary.Ip || !string.Equals(view.Mac, primary.Mac, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{guest.Vm}'s guest sees {view.Mac} {view.IpCidr}, the controller assigned {primary.Mac} {primary.IpCidr}");
        }

        return $"{guest.Vm} ({guest.Kind} on {guest.Launcher.Node.Name}) from inside: {view}";
    }

    /// <summary>A launcher pod that no guest uses any more: deleted in the API (if still there) and CNI DEL.</summary>
    private async Task RetireLauncherAsync(LauncherSandbox sandbox)
    {
        if (!tearingDown && kubeVirt is { } player)
        {
            await player.DeletePodAsync(sandbox.Pod.Namespace, sandbox.Pod.Name, CancellationToken.None).ConfigureAwait(false);
        }

        await RequireNetwork().DeleteAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<List<string>> StopGuestsAsync()
    {
        var stopped = new List<string>();
        foreach (var guest in guests.Values.ToList())
        {
            await guest.DisposeAsync().ConfigureAwait(false);
            stopped.Add($"{guest.Vm} ({guest.Kind})");
        }

        guests.Clear();
        if (peer is not null)
        {
            await RetirePeerAsync().ConfigureAwait(false);
            stopped.Add($"pod {PeerPod}");
        }

        return stopped;
    }

    private async Task<string> PingAsync(IDemoGuest from, IDemoGuest to, CancellationToken cancellationToken)
    {
        var target = to.Launcher.Primary.Address.Ip;
        var result = from is QemuGuest qemu
            ? "inside the guest: " + (await GuestPingAsync(qemu, target, cancellationToken).ConfigureAwait(false)).Summary
            : await PingFromAsync(from, target, null, cancellationToken).ConfigureAwait(false);
        return $"{from.Vm} ({from.Launcher.Node.Name}) -> {to.Vm} {target} ({to.Kind} on {to.Launcher.Node.Name}): {result}";
    }

    private async Task<string> PingFromAsync(IDemoGuest from, string target, string? device, CancellationToken cancellationToken)
    {
        var netns = from.ShellNetns ?? throw new InvalidOperationException($"{from.Vm} is a {from.Kind}: no shell to ping from");
        return await PingFromNetnsAsync(netns, target, device, cancellationToken).ConfigureAwait(false);
    }
}
