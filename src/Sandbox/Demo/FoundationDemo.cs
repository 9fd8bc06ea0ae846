using System.Globalization;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// The foundation demo on real OVN/OVS: OVN central and two OVS nodes (the rig), a logical switch and two
/// ports written through VmNet's own OVSDB client with typed ownership, a guest netns on each node pinging
/// the other across the Geneve underlay, then a port deleted through the client, which cuts the traffic.
/// Everything it starts is stopped in the end, also when cancelled.
/// </summary>
public sealed partial class FoundationDemo(TextWriter output, SandboxPaths paths)
{
    private const string SwitchName = "demo-subnet";
    private const string SubnetCidr = "10.16.0.0/24";
    private static readonly Ownership SubnetOwner = new("Subnet", "demo-subnet");
    private static readonly (string Name, string Mac, string Ip)[] Guests =
    [
        ("vm-a", "0a:58:0a:10:00:0a", "10.16.0.10"),
        ("vm-b", "0a:58:0a:10:00:0b", "10.16.0.11"),
    ];

    private readonly DemoSteps steps = new(output);
    private global::VmNet.Sandbox.Rig.Rig? rig;
    private OvsdbClient? northbound;
    private readonly List<TestPod> guestPods = [];
    private SandboxApi? api;

    public DemoSteps Steps => steps;

    /// <summary>
    /// Runs every step; returns true when all passed. With <paramref name="keepRunning"/> (make sandbox) it stops
    /// after the set-up steps, prints how to use the sandbox and waits for cancellation (make sandbox-down, Ctrl-C).
    /// Never leaves a process or netns behind.
    /// </summary>
    public async Task<bool> RunAsync(bool keepRunning, CancellationToken cancellationToken)
    {
        steps.Planned = keepRunning ? 15 : 18;
        try
        {
            await steps.RunAsync("Check prerequisites, clean up runs left by dead processes", PrerequisitesAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Start OVN central (NB, SB, northd) and two OVS nodes", StartRigAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Start the Kubernetes API server (HTTPS + bearer token), write the kubeconfig", StartApiAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("kubectl apply: CRDs (kubeovn.io, kubevirt.io, k8s.cni.cncf.io) and samples/kubevirt/", ApplySamplesAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("kubectl get subnets, network-attachment-definitions, virtualmachines", ShowSamplesAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Create a logical switch and two ports through the VmNet OVSDB client", CreateTopologyAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Read the rows back by ownership from the client's monitor cache", ReadOwnershipAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("ovn-nbctl show", ShowNorthboundAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Plug a guest netns into br-int on node1 and node2; ports go up", PlugGuestsAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Ping vm-a (node1) -> vm-b (node2) across the Geneve underlay", PingAcrossNodesAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Delete vm-b's port through the client (traffic stops), then the switch and the vm-a/vm-b netns", DeletePortAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Start the VmNet controller (keep-vm-ip) on the sandbox API and NB", StartControllerAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Launch vm-fixed (node1) and vm-random (node2): VMI + virt-launcher pod; the controller assigns addresses", LaunchVmsAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Plug each launcher's address into a netns on its node (as the CNI would) and ping across nodes", PlugVmsAsync, cancellationToken).ConfigureAwait(false);
            if (keepRunning)
            {
                PrintUsage();
                await File.WriteAllTextAsync(paths.ReadyFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await steps.RunAsync("Live-migrate vm-fixed node1 -> node2: target launcher pod keeps IP and MAC, port moves", MigrateVmAsync, cancellationToken).ConfigureAwait(false);
                await steps.RunAsync("Restart vm-random (now scheduled to node1): new VMI and launcher pod, same IP and MAC", RestartVmAsync, cancellationToken).ConfigureAwait(false);
                await steps.RunAsync("Delete vm-random: its IP is released (kubectl get ips)", DeleteVmAsync, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (keepRunning && cancellationToken.IsCancellationRequested && steps.Passed == steps.Planned - 1)
        {
            // make sandbox-down: the normal end of a kept sandbox.
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            // Already printed by the step; the teardown below still runs and the summary names the step.
        }

        // Teardown must finish even after Ctrl-C: it runs on its own token.
        try
        {
            await steps.RunAsync("Stop everything the demo started", StopAllAsync, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            output.WriteLine("    cleanup error: " + ex.Message);
        }

        output.WriteLine(steps.SummaryLine());
        output.Flush();
        return steps.AllPassed;
    }

    private static async Task<string> PrerequisitesAsync(CancellationToken cancellationToken)
    {
        RigPrerequisites.EnsureInstalled();
        var cleaned = await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return $"ovsdb-server, ovn-northd, ovs-vswitchd, ovn-controller found; {cleaned.Count} dead run(s) cleaned";
    }

    private async Task<string> StartRigAsync(CancellationToken cancellationToken)
    {
        rig = await global::VmNet.Sandbox.Rig.Rig.StartAsync(new RigOptions { NodeCount = 2, Encap = EncapType.Geneve }, cancellationToken).ConfigureAwait(false);
        var chassis = await rig.Central.ChassisNamesAsync(cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            rig.ToString(),
            "run directory " + rig.Directory,
            "NB " + rig.Central.NorthboundConnection,
            $"chassis registered in SB: {string.Join(", ", chassis)}",
            string.Create(CultureInfo.InvariantCulture, $"started in {rig.StartupTime.TotalSeconds:0.0} s, {rig.DaemonPids.Count} daemons"));
    }

    private async Task<string> CreateTopologyAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        northbound = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions
            {
                Endpoints = OvsdbClientOptions.ParseRemotes(activeRig.Central.NorthboundConnection),
                Database = "OVN_Northbound",
                Tables = [LogicalSwitch.Table, LogicalSwitchPort.Table],
            },
            cancellationToken).ConfigureAwait(false);

        var (switchRef, switchOps) = NorthboundOps.CreateLogicalSwitch(
            new LogicalSwitch { Name = SwitchName, OtherConfig = new Dictionary<string, string> { ["subnet"] = SubnetCidr } }, SubnetOwner);
        var portOps = NorthboundOps.CreateLogicalSwitchPorts(
            switchRef,
            Guests.Select(g => (
                new LogicalSwitchPort { Name = g.Name, Addresses = [g.Mac + " " + g.Ip], PortSecurity = [g.Mac + " " + g.Ip] },
                PodOwner(g.Name))));
        var operations = switchOps.Concat(portOps).ToList();
        await northbound.TransactAsync(operations, cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            [$"one transaction, {operations.Count} operations: switch {SwitchName} (subnet {SubnetCidr}) + ports {string.Join(", ", Guests.Select(g => g.Name))}",
             .. Guests.Select(g => $"{g.Name}: addresses \"{g.Mac} {g.Ip}\", port_security, owner Pod/default/{g.Name}")]);
    }

    private async Task<string> ReadOwnershipAsync(CancellationToken cancellationToken)
    {
        var client = northbound ?? throw new InvalidOperationException("the Northbound client is not connected");
        var switches = await WaitForCacheAsync(() => client.Cache.FindOwnedBy<LogicalSwitch>(SubnetOwner), 1, cancellationToken).ConfigureAwait(false);
        var ports = await WaitForCacheAsync(() => client.Cache.FindOwnedByKind(LogicalSwitchPort.Table, "Pod"), Guests.Length, cancellationToken).ConfigureAwait(false);
        var owned = switches.Single();
        if (owned.Ports.Count != Guests.Length)
        {
            throw new InvalidOperationException($"switch {SwitchName} has {owned.Ports.Count} ports in the cache, expected {Guests.Length}");
        }

        return string.Join('\n',
            [$"Logical_Switch {owned.Name} {owned.Uuid} owned by Subnet/{SubnetOwner.Key}, {owned.Ports.Count} ports",
             .. ports.Select(p => $"Logical_Switch_Port {p.Uuid} owner {Ownership.FromRow(p)?.Kind}/{Ownership.FromRow(p)?.Key}")]);
    }

    private async Task<string> ShowNorthboundAsync(CancellationToken cancellationToken)
    {
        var result = await RequireRig().Central.NbctlAsync(["show"], cancellationToken).ConfigureAwait(false);
        foreach (var guest in Guests)
        {
            if (!result.Stdout.Contains("port " + guest.Name, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"ovn-nbctl show does not list port {guest.Name}:\n{result.Stdout}");
            }
        }

        return result.Stdout;
    }

    private async Task<string> PlugGuestsAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        for (var i = 0; i < Guests.Length; i++)
        {
            var guest = Guests[i];
            var pod = await activeRig.AddPodAsync(
                activeRig.Nodes[i], activeRig.PodOptions(guest.Name, guest.Name, guest.Mac, guest.Ip + "/24", null), cancellationToken).ConfigureAwait(false);
            guestPods.Add(pod);
        }

        await activeRig.SyncHypervisorsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var guest in Guests)
        {
            await activeRig.WaitPortUpAsync(guest.Name, cancellationToken).ConfigureAwait(false);
        }

        return string.Join('\n', guestPods.Select(p => $"{p.Name} on {p.Node.Name}: netns {p.Netns}, eth0 {p.Options.Mac} {p.Options.IpCidr}, host end {p.HostInterface}, lsp up"));
    }

    private async Task<string> PingAcrossNodesAsync(CancellationToken cancellationToken)
    {
        var result = await guestPods[0].PingAsync(guestPods[1].Ip, 3, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ping {guestPods[1].Ip} from {guestPods[0].Name} failed:\n{result.Stdout}{result.Stderr}\n{RequireRig().Diagnostics()}");
        }

        return $"ip netns exec {guestPods[0].Netns} ping {guestPods[1].Ip}\n" + SummaryOfPing(result.Stdout);
    }

    private async Task<string> DeletePortAsync(CancellationToken cancellationToken)
    {
        var client = northbound ?? throw new InvalidOperationException("the Northbound client is not connected");
        var owned = client.Cache.FindOwnedBy<LogicalSwitchPort>(PodOwner("vm-b")).Single();
        var logicalSwitch = client.Cache.FindOwnedBy<LogicalSwitch>(SubnetOwner).Single();
        await client.TransactAsync(NorthboundOps.DeleteLogicalSwitchPort(logicalSwitch.Uuid, owned.Uuid), cancellationToken).ConfigureAwait(false);
        await WaitForCacheAsync(() => client.Cache.FindOwnedBy<LogicalSwitchPort>(PodOwner("vm-b")), 0, cancellationToken).ConfigureAwait(false);
        var list = await RequireRig().Central.NbctlAsync(["lsp-list", SwitchName], cancellationToken).ConfigureAwait(false);
        if (list.Stdout.Contains("(vm-b)", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"vm-b is still on {SwitchName}:\n{list.Stdout}");
        }

        await RequireRig().SyncHypervisorsAsync(cancellationToken).ConfigureAwait(false);
        var ping = await guestPods[0].PingAsync(guestPods[1].Ip, 2, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ping.Succeeded)
        {
            throw new InvalidOperationException($"vm-b still answers after its port was deleted:\n{ping.Stdout}");
        }

        // The controller that starts next owns the Northbound DB: leave it only what it owns.
        await client.TransactAsync(NorthboundOps.DeleteLogicalSwitch(logicalSwitch.Uuid), cancellationToken).ConfigureAwait(false);
        foreach (var pod in guestPods)
        {
            await RequireRig().RemovePodAsync(pod, cancellationToken).ConfigureAwait(false);
        }

        var remaining = await RequireRig().Central.NbctlAsync(["ls-list"], cancellationToken).ConfigureAwait(false);
        return $"ovn-nbctl lsp-list {SwitchName}:\n{list.Stdout.TrimEnd()}\nping {guestPods[1].Ip} now: {SummaryOfPing(ping.Stdout)}\n"
            + $"switch {SwitchName} deleted (ovn-nbctl ls-list: {(remaining.Stdout.Trim().Length == 0 ? "empty" : remaining.Stdout.Trim())}), guest netns removed";
    }

    private async Task<string> StartApiAsync(CancellationToken cancellationToken)
    {
        api = await SandboxApi.StartAsync(paths.Kubeconfig, cancellationToken).ConfigureAwait(false);
        var version = await api.KubectlAsync(["version", "-o", "json"], cancellationToken).ConfigureAwait(false);
        var serverVersion = System.Text.Json.Nodes.JsonNode.Parse(version.Stdout)?["serverVersion"]?["gitVersion"]?.GetValue<string>();
        return $"{api.Server.BaseAddress} (self-signed certificate, bearer token)\nkubeconfig {paths.Kubeconfig}\nkubectl version: server {serverVersion}";
    }

    private async Task<string> ApplySamplesAsync(CancellationToken cancellationToken)
    {
        var client = RequireApi();
        var crds = await client.KubectlAsync(["apply", "-f", paths.VmNetCrds, "-f", paths.SandboxCrds], cancellationToken).ConfigureAwait(false);
        var samples = await client.KubectlAsync(["apply", "-f", paths.KubeVirtSamples], cancellationToken).ConfigureAwait(false);
        return crds.Stdout.TrimEnd() + "\n" + samples.Stdout.TrimEnd();
    }

    private async Task<string> ShowSamplesAsync(CancellationToken cancellationToken)
    {
        var client = RequireApi();
        var subnets = await client.KubectlAsync(["get", "subnets"], cancellationToken).ConfigureAwait(false);
        var others = await client.KubectlAsync(["get", "network-attachment-definitions,virtualmachines", "-A"], cancellationToken).ConfigureAwait(false);
        foreach (var name in new[] { "demo-vms", "demo-storage" })
        {
            if (!subnets.Stdout.Contains(name, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"kubectl get subnets does not list {name}:\n{subnets.Stdout}");
            }
        }

        return subnets.Stdout.TrimEnd() + "\n" + others.Stdout.TrimEnd()
            + "\n(no controller runs in this sandbox yet: VMs are stored, not started; the OVN steps below are driven directly)";
    }

    private void PrintUsage()
    {
        var activeRig = RequireRig();
        output.WriteLine();
        output.WriteLine("The sandbox is up. Try:");
        output.WriteLine($"  kubectl --kubeconfig {paths.Kubeconfig} get subnets,vm -A");
        output.WriteLine($"  ovn-nbctl --db={activeRig.Central.NorthboundConnection} show");
        output.WriteLine($"  ovn-sbctl --db={activeRig.Central.SouthboundConnection} show");
        output.WriteLine($"  ip netns exec {vmGuests["vm-random"].Netns} ping {vmGuests["vm-fixed"].Ip}     # vm-random on node2 -> vm-fixed on node1");
        output.WriteLine($"  kubectl --kubeconfig {paths.Kubeconfig} get ips; controller log: {controller?.LogPath}");

        output.WriteLine("Stop it with `make sandbox-down`.");
        output.Flush();
    }

    private async Task<string> StopAllAsync(CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        File.Delete(paths.ReadyFile);
        if (await StopControllerAsync().ConfigureAwait(false) is { } stoppedController)
        {
            evidence.Add(stoppedController);
        }

        if (api is not null)
        {
            await api.DisposeAsync().ConfigureAwait(false);
            api = null;
            evidence.Add("API server stopped, kubeconfig removed");
        }

        if (northbound is not null)
        {
            await northbound.DisposeAsync().ConfigureAwait(false);
            northbound = null;
            evidence.Add("OVSDB client closed");
        }

        if (rig is not null)
        {
            var pids = rig.DaemonPids;
            var netns = rig.NetnsNames;
            await rig.StopAsync(cancellationToken).ConfigureAwait(false);
            var alive = pids.Where(ProcessSignals.IsAlive).ToList();
            if (alive.Count > 0)
            {
                throw new InvalidOperationException($"daemons still alive after stop: {string.Join(", ", alive)}");
            }

            evidence.Add(string.Create(CultureInfo.InvariantCulture, $"{pids.Count} daemons stopped, {netns.Count} netns removed, run directory deleted, in {rig.TeardownTime.TotalSeconds:0.0} s"));
            rig = null;
        }

        return evidence.Count == 0 ? "nothing was running" : string.Join('\n', evidence);
    }

    private SandboxApi RequireApi() => api ?? throw new InvalidOperationException("the API server is not running");

    private global::VmNet.Sandbox.Rig.Rig RequireRig() => rig ?? throw new InvalidOperationException("the rig is not running");

    private static Ownership PodOwner(string name) => new("Pod", "default/" + name);

    private static string SummaryOfPing(string stdout) =>
        stdout.Split('\n').FirstOrDefault(l => l.Contains("packets transmitted", StringComparison.Ordinal))?.Trim() ?? stdout.Trim();

    private static async Task<IReadOnlyList<T>> WaitForCacheAsync<T>(Func<IReadOnlyList<T>> read, int expected, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var rows = read();
            if (rows.Count == expected)
            {
                return rows;
            }

            try
            {
                await Task.Delay(50, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the monitor cache shows {rows.Count} rows after 10 s, expected {expected}");
            }
        }
    }
}
