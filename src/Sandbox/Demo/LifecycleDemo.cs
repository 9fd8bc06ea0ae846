using System.Globalization;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// `make demo`: the whole VM lifecycle on real OVN/OVS with the real VmNet controller. The sandbox plays
/// Kubernetes (in-process API server) and KubeVirt (VMIs, launcher pods, migrations); the guests are QEMU (TCG)
/// guests or network namespaces. Each step prints its evidence; everything started is stopped in the end, also
/// when cancelled.
/// </summary>
public sealed partial class LifecycleDemo(TextWriter output, SandboxPaths paths, DemoOptions options)
{
    private const string VmNamespace = "vmnet-demo";
    private const string FixedVm = "vm-fixed";
    private const string RandomVm = "vm-random";
    private const string MultiNicVm = "vm-multi-nic";
    private static readonly TimeSpan ControllerWait = TimeSpan.FromSeconds(60);

    private readonly DemoSteps steps = new(output);

    public DemoSteps Steps => steps;

    /// <summary>
    /// Runs every step; returns true when all passed. With <see cref="DemoOptions.KeepRunning"/> (make sandbox) it
    /// stops once the VMs ping each other, prints how to use the sandbox and waits for cancellation.
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        steps.Planned = options.KeepRunning ? 7 : 10;
        try
        {
            await steps.RunAsync("Check prerequisites, choose the guests, clean up runs left by dead processes", PrerequisitesAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("Start the VmNet stack: OVN central, two OVS nodes, API server + kubeconfig, CRDs, vmnet-controller, a vmnet-daemon per node", StartStackAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("kubectl apply -f samples/kubevirt/ (unchanged); the controller creates the subnets' switches", ApplySamplesAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync($"Start {FixedVm}, {MultiNicVm} (node1) and {RandomVm} (node2): VMI + virt-launcher pod; the controller addresses every NIC", StartVmsAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("CNI ADD for each launcher pod (default + Multus NIC) through the CNI binary and the node's daemon; boot the guests; each shows its IP and MAC from inside", BootGuestsAsync, cancellationToken).ConfigureAwait(false);
            await steps.RunAsync("The VMs reach each other across nodes", PingVmsAsync, cancellationToken).ConfigureAwait(false);
            if (options.KeepRunning)
            {
                PrintUsage();
                await File.WriteAllTextAsync(paths.ReadyFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await steps.RunAsync($"Restart {RandomVm}: new VMI and launcher pod, same IP and MAC", RestartVmAsync, cancellationToken).ConfigureAwait(false);
                await steps.RunAsync($"Live-migrate {FixedVm} node1 -> node2 through the controller's migration module", MigrateVmAsync, cancellationToken).ConfigureAwait(false);
                await steps.RunAsync($"Delete {RandomVm}: its IP is released (kubectl get ips)", DeleteVmAsync, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (options.KeepRunning && cancellationToken.IsCancellationRequested && steps.Passed == steps.Planned - 1)
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

    private void PrintUsage()
    {
        var activeRig = RequireRig();
        output.WriteLine();
        output.WriteLine("The sandbox is up. Try:");
        output.WriteLine($"  export KUBECONFIG={paths.Kubeconfig}");
        output.WriteLine("  kubectl get subnets,ips; kubectl get vm,vmi,pods -n " + VmNamespace);
        output.WriteLine($"  ovn-nbctl --db={activeRig.Central.NorthboundConnection} show");
        output.WriteLine($"  ovn-sbctl --db={activeRig.Central.SouthboundConnection} show");
        foreach (var guest in guests.Values.Where(g => g.ShellNetns is not null))
        {
            var other = guests.Values.Where(g => g != guest).OrderBy(g => g.Launcher.Node.Name == guest.Launcher.Node.Name).First();
            output.WriteLine($"  ip netns exec {guest.ShellNetns} ping {other.Launcher.Primary.Address.Ip}     # {guest.Vm} ({guest.Launcher.Node.Name}) -> {other.Vm} ({other.Launcher.Node.Name})");
        }

        foreach (var guest in guests.Values.OfType<QemuGuest>())
        {
            output.WriteLine($"  {guest.Vm}: QEMU pid {guest.Machine.Current.Pid}, serial console {guest.Machine.Current.SerialLog}");
        }

        if (peer is { } shell && guests.Values.OfType<QemuGuest>().FirstOrDefault() is { } first)
        {
            var other = guests.Values.First(g => g != first).Launcher.Primary.Address.Ip;
            output.WriteLine($"  ip netns exec {shell.Netns} ping {first.Machine.Options.Ip}     # pod {PeerPod} ({shell.Node.Name}) -> {first.Vm}");
            output.WriteLine($"  echo 'ping {other} 3' | ip netns exec {shell.Netns} nc {first.Machine.Options.Ip} {Qemu.GuestImage.ControlPort}     # {first.Vm}'s guest pings {other} from inside");
            output.WriteLine($"  ip netns exec {shell.Netns} nc {first.Machine.Options.Ip} {Qemu.GuestImage.NetInfoPort}     # {first.Vm}'s NICs as its guest sees them");
        }

        output.WriteLine($"  controller log: {Controller?.LogPath}; daemon logs: {string.Join(", ", RequireStack().Daemons.Select(d => d.LogPath))}");
        output.WriteLine("Stop it with `make sandbox-down`.");
        output.Flush();
    }

    private static string SummaryOfPing(string stdout) =>
        stdout.Split('\n').FirstOrDefault(l => l.Contains("packets transmitted", StringComparison.Ordinal))?.Trim() ?? stdout.Trim();

    /// <summary>Polls <paramref name="probe"/> until it returns a value; fails early when the controller died.</summary>
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

            if (Controller is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"vmnet-controller exited while waiting for {what}:\n{exited.LogTail(20)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {ControllerWait.TotalSeconds} s waiting for {what}; logs:\n{stack?.Diagnostics()}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }
}
