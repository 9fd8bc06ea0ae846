using System.Globalization;
using System.Text.Json.Nodes;
using VmNet.Ipam;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>The VM lifecycle part of the demo: the real controller addresses simulated virt-launcher pods.</summary>
public sealed partial class FoundationDemo
{
    private const string VmNamespace = "vmnet-demo";
    private static readonly TimeSpan ControllerWait = TimeSpan.FromSeconds(40);
    private readonly Dictionary<string, TestPod> vmGuests = [];
    private ControllerProcess? controller;
    private VirtLauncher? launcher;

    private sealed record VmAddress(string Pod, string Ip, string Mac, string Cidr, string Gateway, string Switch)
    {
        public string IpCidr => Ip + "/" + Cidr.Split('/')[1];
    }

    private async Task<string> StartControllerAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        controller = ControllerProcess.Start(paths.RepositoryRoot, paths.Kubeconfig, activeRig.Central.NorthboundConnection, Path.Combine(paths.StateDirectory, "controller.log"));
        launcher = new VirtLauncher(RequireApi(), Path.Combine(paths.StateDirectory, "manifests"));
        var switches = await WaitAsync(
            "the controller to create the sample subnets' logical switches",
            async ct =>
            {
                var list = await activeRig.Central.NbctlAsync(["ls-list"], ct).ConfigureAwait(false);
                return list.Stdout.Contains("(demo-vms)", StringComparison.Ordinal) && list.Stdout.Contains("(demo-storage)", StringComparison.Ordinal) ? list.Stdout : null;
            },
            cancellationToken).ConfigureAwait(false);
        var routers = await activeRig.Central.NbctlAsync(["lr-list"], cancellationToken).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $"vmnet-controller pid {controller.Pid}, log {controller.LogPath}\novn-nbctl ls-list:\n{switches.TrimEnd()}\novn-nbctl lr-list:\n{routers.Stdout.TrimEnd()}");
    }

    private async Task<string> LaunchVmsAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        var evidence = new List<string>();
        foreach (var (vm, node) in new[] { ("vm-fixed", activeRig.Nodes[0].Name), ("vm-random", activeRig.Nodes[1].Name) })
        {
            var pod = await RequireLauncher().StartAsync(VmNamespace, vm, node, cancellationToken).ConfigureAwait(false);
            var address = await WaitForAddressAsync(pod, cancellationToken).ConfigureAwait(false);
            evidence.Add($"{vm}: pod {pod} on {node} -> {address.Ip} {address.Mac} (switch {address.Switch}, gateway {address.Gateway})");
            if (vm == "vm-fixed" && address.Ip != "10.100.0.10")
            {
                throw new InvalidOperationException($"vm-fixed asked for 10.100.0.10 in its template annotation but got {address.Ip}");
            }
        }

        var ips = await RequireApi().KubectlAsync(["get", "ips"], cancellationToken).ConfigureAwait(false);
        evidence.Add("kubectl get ips:");
        evidence.Add(ips.Stdout.TrimEnd());
        return string.Join('\n', evidence);
    }

    private async Task<string> PlugVmsAsync(CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        foreach (var (vm, nodeIndex) in new[] { ("vm-fixed", 0), ("vm-random", 1) })
        {
            evidence.Add(await PlugVmAsync(vm, nodeIndex, cancellationToken).ConfigureAwait(false));
        }

        evidence.Add(await PingVmsAsync(cancellationToken).ConfigureAwait(false));
        return string.Join('\n', evidence);
    }

    private async Task<string> MigrateVmAsync(CancellationToken cancellationToken)
    {
        const string vm = "vm-fixed";
        var activeRig = RequireRig();
        var source = await AddressOfVmAsync(vm, cancellationToken).ConfigureAwait(false);
        var targetNode = activeRig.Nodes[1].Name;
        var targetPod = await RequireLauncher().StartMigrationTargetAsync(VmNamespace, vm, targetNode, "migrate-" + vm, cancellationToken).ConfigureAwait(false);
        var target = await WaitForAddressAsync(targetPod, cancellationToken).ConfigureAwait(false);
        if (target.Ip != source.Ip || target.Mac != source.Mac)
        {
            throw new InvalidOperationException($"the migration target pod got {target.Ip} {target.Mac}, the source has {source.Ip} {source.Mac}");
        }

        // Switchover: the guest leaves node1 and resumes on node2 with the same MAC and IP, announcing itself by RARP.
        await activeRig.RemovePodAsync(vmGuests[vm], cancellationToken).ConfigureAwait(false);
        vmGuests.Remove(vm);
        var plugged = await PlugVmAsync(vm, 1, cancellationToken).ConfigureAwait(false);
        await vmGuests[vm].SendRarpAsync(3, cancellationToken).ConfigureAwait(false);
        var portName = PortNames.PortName(vm, VmNamespace, AnnotationKeysDefaultProvider);
        var chassis = await WaitAsync(
            $"port {portName} to be bound on {targetNode}",
            async ct =>
            {
                var binding = await activeRig.Central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + portName], ct).ConfigureAwait(false);
                var chassisUuid = binding.Stdout.Trim();
                if (chassisUuid.Length == 0)
                {
                    return null;
                }

                var name = (await activeRig.Central.SbctlAsync(["--bare", "--columns=name", "list", "Chassis", chassisUuid], ct).ConfigureAwait(false)).Stdout.Trim();
                return name == targetNode ? name : null;
            },
            cancellationToken).ConfigureAwait(false);

        // The migration finished: KubeVirt deletes the source launcher pod; the VM keeps its address.
        await RequireApi().KubectlAsync(["delete", "pod", source.Pod, "-n", VmNamespace, "--wait=true"], cancellationToken).ConfigureAwait(false);
        var ping = await PingVmsAsync(cancellationToken).ConfigureAwait(false);
        var ip = await RequireApi().KubectlAsync(["get", "ip", portName], cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            $"VirtualMachineInstanceMigration migrate-{vm}; target pod {targetPod} on {targetNode} -> {target.Ip} {target.Mac} (same as the source)",
            plugged,
            $"Port_Binding {portName} now on chassis {chassis}; source pod {source.Pod} deleted",
            ping,
            ip.Stdout.TrimEnd(),
            "(the migration controller has not landed here: the sandbox moved the port itself, unplug on node1, plug on node2, RARP)");
    }

    private async Task<string> RestartVmAsync(CancellationToken cancellationToken)
    {
        const string vm = "vm-random";
        var before = await AddressOfVmAsync(vm, cancellationToken).ConfigureAwait(false);
        await RequireLauncher().StopAsync(VmNamespace, vm, cancellationToken).ConfigureAwait(false);
        await RequireRig().RemovePodAsync(vmGuests[vm], cancellationToken).ConfigureAwait(false);
        vmGuests.Remove(vm);
        // The new instance is scheduled to node1 (vm-fixed now runs on node2): the address follows the VM, not the node.
        var pod = await RequireLauncher().StartAsync(VmNamespace, vm, RequireRig().Nodes[0].Name, cancellationToken).ConfigureAwait(false);
        var after = await WaitForAddressAsync(pod, cancellationToken).ConfigureAwait(false);
        if (after.Ip != before.Ip || after.Mac != before.Mac)
        {
            throw new InvalidOperationException($"{vm} changed address across a restart: {before.Ip} {before.Mac} -> {after.Ip} {after.Mac}");
        }

        var plugged = await PlugVmAsync(vm, 0, cancellationToken).ConfigureAwait(false);
        var ping = await PingVmsAsync(cancellationToken).ConfigureAwait(false);
        return $"old pod {before.Pod} deleted with its VMI; new pod {pod}\nbefore {before.Ip} {before.Mac}, after {after.Ip} {after.Mac}: same IP and MAC\n{plugged}\n{ping}";
    }

    private async Task<string> DeleteVmAsync(CancellationToken cancellationToken)
    {
        const string vm = "vm-random";
        var address = await AddressOfVmAsync(vm, cancellationToken).ConfigureAwait(false);
        var client = RequireApi();
        await client.KubectlAsync(["delete", "virtualmachine", vm, "-n", VmNamespace, "--wait=true"], cancellationToken).ConfigureAwait(false);
        // Deleting the VM takes its VMI and launcher pod with it (ownerReferences), as in a real cluster.
        var launchers = await client.KubectlAsync(["get", "vmi,pods", "-n", VmNamespace, "-l", "vm.kubevirt.io/name=" + vm, "-o", "name"], cancellationToken).ConfigureAwait(false);
        await RequireLauncher().StopAsync(VmNamespace, vm, cancellationToken).ConfigureAwait(false);
        await RequireRig().RemovePodAsync(vmGuests[vm], cancellationToken).ConfigureAwait(false);
        vmGuests.Remove(vm);
        var portName = PortNames.PortName(vm, VmNamespace, AnnotationKeysDefaultProvider);
        var ips = await WaitAsync(
            $"the controller to release {address.Ip} (IP {portName} gone)",
            async ct =>
            {
                var list = await client.KubectlAsync(["get", "ips"], ct).ConfigureAwait(false);
                return list.Stdout.Contains(portName, StringComparison.Ordinal) ? null : list.Stdout;
            },
            cancellationToken).ConfigureAwait(false);
        var ports = await RequireRig().Central.NbctlAsync(["lsp-list", "demo-vms"], cancellationToken).ConfigureAwait(false);
        if (ports.Stdout.Contains("(" + portName + ")", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"logical port {portName} is still on demo-vms:\n{ports.Stdout}");
        }

        return $"kubectl delete vm {vm}: {address.Ip} released; launcher pods left: {(launchers.Stdout.Trim().Length == 0 ? "none" : launchers.Stdout.Trim())}\nkubectl get ips:\n{ips.TrimEnd()}\novn-nbctl lsp-list demo-vms:\n{ports.Stdout.TrimEnd()}";
    }

    private const string AnnotationKeysDefaultProvider = "ovn";

    private async Task<string> PlugVmAsync(string vm, int nodeIndex, CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        var address = await AddressOfVmAsync(vm, cancellationToken).ConfigureAwait(false);
        var portName = PortNames.PortName(vm, VmNamespace, AnnotationKeysDefaultProvider);
        var guest = await activeRig.AddPodAsync(
            activeRig.Nodes[nodeIndex], activeRig.PodOptions(vm, portName, address.Mac, address.IpCidr, address.Gateway), cancellationToken).ConfigureAwait(false);
        vmGuests[vm] = guest;
        await activeRig.SyncHypervisorsAsync(cancellationToken).ConfigureAwait(false);
        await activeRig.WaitPortUpAsync(portName, cancellationToken).ConfigureAwait(false);
        return $"{vm}: netns {guest.Netns} on {guest.Node.Name}, eth0 {address.Mac} {address.IpCidr} via {address.Gateway}, port {portName} up";
    }

    private async Task<string> PingVmsAsync(CancellationToken cancellationToken)
    {
        var from = vmGuests["vm-random"];
        var to = vmGuests["vm-fixed"];
        var result = await from.PingAsync(to.Ip, 4, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ping {to.Ip} from vm-random failed:\n{result.Stdout}{result.Stderr}\n{RequireRig().Diagnostics()}");
        }

        return $"ip netns exec {from.Netns} ping {to.Ip} ({from.Node.Name} -> {to.Node.Name}): {SummaryOfPing(result.Stdout)}";
    }

    /// <summary>The address the controller wrote on the VM's current launcher pod.</summary>
    private async Task<VmAddress> AddressOfVmAsync(string vm, CancellationToken cancellationToken)
    {
        var pods = await RequireLauncher().GetJsonAsync(["get", "pods", "-n", VmNamespace, "-l", "vm.kubevirt.io/name=" + vm, "-o", "json"], cancellationToken).ConfigureAwait(false);
        var pod = pods["items"]?.AsArray()
            .Where(p => p?["metadata"]?["deletionTimestamp"] is null)
            .OrderBy(p => p?["metadata"]?["creationTimestamp"]?.GetValue<string>(), StringComparer.Ordinal)
            .LastOrDefault()?["metadata"]?["name"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"no launcher pod for {vm}");
        return await WaitForAddressAsync(pod, cancellationToken).ConfigureAwait(false);
    }

    private Task<VmAddress> WaitForAddressAsync(string pod, CancellationToken cancellationToken) =>
        WaitAsync(
            $"the controller to address pod {VmNamespace}/{pod}",
            async ct =>
            {
                var json = await RequireLauncher().GetJsonAsync(["get", "pod", pod, "-n", VmNamespace, "-o", "json"], ct).ConfigureAwait(false);
                var annotations = json["metadata"]?["annotations"] as JsonObject;
                string? Get(string key) => annotations?["ovn.kubernetes.io/" + key]?.GetValue<string>();
                return Get("allocated") == "true" && Get("ip_address") is { } ip && Get("mac_address") is { } mac
                    ? new VmAddress(pod, ip, mac, Get("cidr") ?? "", Get("gateway") ?? "", Get("logical_switch") ?? "")
                    : null;
            },
            cancellationToken);

    private async Task<T> WaitAsync<T>(string what, Func<CancellationToken, Task<T?>> probe, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = DateTime.UtcNow + ControllerWait;
        while (true)
        {
            if (await probe(cancellationToken).ConfigureAwait(false) is { } value)
            {
                return value;
            }

            if (controller is { HasExited: true })
            {
                throw new InvalidOperationException($"vmnet-controller exited while waiting for {what}:\n{controller.LogTail(20)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {ControllerWait.TotalSeconds} s waiting for {what}; controller log:\n{controller?.LogTail(20)}");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    private VirtLauncher RequireLauncher() => launcher ?? throw new InvalidOperationException("the controller is not running");

    private async Task<string?> StopControllerAsync()
    {
        if (controller is null)
        {
            return null;
        }

        var pid = controller.Pid;
        await controller.DisposeAsync().ConfigureAwait(false);
        controller = null;
        return string.Create(CultureInfo.InvariantCulture, $"vmnet-controller (pid {pid}) stopped");
    }
}
