using System.Globalization;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;

namespace VmNet.Sandbox.Demo;

/// <summary>The sandbox around the VMs: the VmNet stack (OVN/OVS, API server, controller, daemons), the samples, the teardown.</summary>
public sealed partial class LifecycleDemo
{
    private VmNetStack? stack;
    private SandboxApi? api;
    private KubeVirtPlayer? kubeVirt;
    private ILauncherNetwork? network;
    private GuestSelection? selection;
    private volatile bool tearingDown;

    private ControllerProcess? Controller => stack?.Controller;

    private async Task<string> PrerequisitesAsync(CancellationToken cancellationToken)
    {
        RigPrerequisites.EnsureInstalled("kubectl");
        StackOptions().EnsureBuilt();
        var cleaned = await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        selection = await GuestSelection.ResolveAsync(options.Guests, cancellationToken).ConfigureAwait(false);
        return $"OVN/OVS tools and kubectl found; CNI binary, vmnet-controller and vmnet-daemon built; {cleaned.Count} dead run(s) cleaned\n"
            + $"guests ({GuestSelection.EnvironmentVariable}={options.Guests}): {selection.Reason}";
    }

    private async Task<string> StartStackAsync(CancellationToken cancellationToken)
    {
        stack = await VmNetStack.StartAsync(StackOptions(), cancellationToken).ConfigureAwait(false);
        api = SandboxApi.ForServer(stack.ApiServer, paths.Kubeconfig);
        kubeVirt = new KubeVirtPlayer(api, Path.Combine(paths.StateDirectory, "manifests"));
        network = new CniLauncherNetwork(stack, api);
        var rig = stack.Rig;
        var chassis = await rig.Central.ChassisNamesAsync(cancellationToken).ConfigureAwait(false);
        var version = await api.KubectlAsync(["version", "-o", "json"], cancellationToken).ConfigureAwait(false);
        var serverVersion = System.Text.Json.Nodes.JsonNode.Parse(version.Stdout)?["serverVersion"]?["gitVersion"]?.GetValue<string>();
        var nodes = await api.KubectlAsync(["get", "nodes", "-o", "name"], cancellationToken).ConfigureAwait(false);
        var routers = await rig.Central.NbctlAsync(["lr-list"], cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            [
                rig.ToString(),
                "run directory " + rig.Directory + ", NB " + rig.Central.NorthboundConnection,
                $"chassis registered in SB: {string.Join(", ", chassis)}",
                $"API server {api.BaseAddress} (kubectl server {serverVersion}, bearer token), kubeconfig {paths.Kubeconfig}; nodes: {string.Join(' ', nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))}",
                $"CRDs applied: charts/vmnet/crds, src/Sandbox/Demo/crds (KubeVirt VM/VMI/VMIM, Multus NAD)",
                $"vmnet-controller pid {stack.Controller?.Pid}, log {stack.ControllerLogPath}; ovn-nbctl lr-list: {routers.Stdout.Trim()}",
                .. stack.Daemons.Select(d => $"{d}, log {d.LogPath}"),
                string.Create(CultureInfo.InvariantCulture, $"ready in {stack.StartupTime.TotalSeconds:0.0} s: every daemon answers CNI STATUS, subnets ovn-default and join are Ready"),
                "launcher pods: " + network.Description,
            ]);
    }

    private async Task<string> ApplySamplesAsync(CancellationToken cancellationToken)
    {
        var rig = RequireStack().Rig;
        var client = RequireApi();
        var samples = await client.KubectlAsync(["apply", "-f", paths.KubeVirtSamples], cancellationToken).ConfigureAwait(false);
        var switches = await WaitAsync(
            "the controller to create the sample subnets' logical switches",
            async ct =>
            {
                var list = await rig.Central.NbctlAsync(["ls-list"], ct).ConfigureAwait(false);
                return list.Stdout.Contains("(demo-vms)", StringComparison.Ordinal) && list.Stdout.Contains("(demo-storage)", StringComparison.Ordinal) ? list.Stdout : null;
            },
            cancellationToken).ConfigureAwait(false);
        var subnets = await client.KubectlAsync(["get", "subnets"], cancellationToken).ConfigureAwait(false);
        var others = await client.KubectlAsync(["get", "network-attachment-definitions,virtualmachines", "-n", VmNamespace], cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            "kubectl apply -f samples/kubevirt/:",
            samples.Stdout.TrimEnd(),
            "kubectl get subnets:",
            subnets.Stdout.TrimEnd(),
            others.Stdout.TrimEnd(),
            "ovn-nbctl ls-list:",
            switches.TrimEnd());
    }

    private async Task<string> StopAllAsync(CancellationToken cancellationToken)
    {
        var evidence = new List<string>();
        File.Delete(paths.ReadyFile);
        // Guests first, while the daemons still answer their launcher pods' CNI DEL.
        var stoppedGuests = await StopGuestsAsync().ConfigureAwait(false);
        tearingDown = true;
        if (stoppedGuests.Count > 0)
        {
            evidence.Add("guests stopped, launcher pods' CNI DEL done: " + string.Join(", ", stoppedGuests));
        }

        if (stack is not null)
        {
            var rig = stack.Rig;
            var pids = rig.DaemonPids.Concat(stack.Daemons.Select(d => d.Pid)).Append(stack.Controller?.Pid ?? 0).Where(p => p > 0).ToList();
            var described = $"vmnet-controller (pid {stack.Controller?.Pid}), {stack.Daemons.Count} vmnet-daemons, API server, {rig.DaemonPids.Count} OVN/OVS daemons";
            await stack.DisposeAsync().ConfigureAwait(false);
            stack = null;
            var alive = pids.Where(ProcessSignals.IsAlive).ToList();
            if (alive.Count > 0)
            {
                throw new InvalidOperationException($"processes still alive after stop: {string.Join(", ", alive)}");
            }

            evidence.Add(string.Create(CultureInfo.InvariantCulture, $"{described} stopped; node netns and run directory removed ({rig.TeardownTime.TotalSeconds:0.0} s for the rig)"));
        }

        if (File.Exists(paths.Kubeconfig))
        {
            File.Delete(paths.Kubeconfig);
            evidence.Add("kubeconfig removed");
        }

        api = null;
        return evidence.Count == 0 ? "nothing was running" : string.Join('\n', evidence);
    }

    /// <summary>The stack runs the daemon and controller built in this executable's configuration (bin/&lt;Configuration&gt;/net10.0).</summary>
    private StackOptions StackOptions()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)));
        return new StackOptions { RepositoryRoot = paths.RepositoryRoot, Configuration = string.IsNullOrEmpty(configuration) ? "Release" : configuration };
    }

    private SandboxApi RequireApi() => api ?? throw new InvalidOperationException("the API server is not running");

    private VmNetStack RequireStack() => stack ?? throw new InvalidOperationException("the VmNet stack is not running");

    private global::VmNet.Sandbox.Rig.Rig RequireRig() => RequireStack().Rig;

    private KubeVirtPlayer RequireKubeVirt() => kubeVirt ?? throw new InvalidOperationException("the API server is not running");

    private ILauncherNetwork RequireNetwork() => network ?? throw new InvalidOperationException("the VmNet stack is not running");
}
