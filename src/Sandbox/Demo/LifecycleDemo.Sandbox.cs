using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>The sandbox around the VMs: OVN/OVS rig, API server, controller, the samples, and the teardown.</summary>
public sealed partial class LifecycleDemo
{
    private global::VmNet.Sandbox.Rig.Rig? rig;
    private SandboxApi? api;
    private ControllerProcess? controller;
    private KubeVirtPlayer? kubeVirt;
    private ILauncherNetwork? network;
    private GuestSelection? selection;
    private volatile bool tearingDown;

    private async Task<string> PrerequisitesAsync(CancellationToken cancellationToken)
    {
        RigPrerequisites.EnsureInstalled("kubectl");
        var cleaned = await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        selection = await GuestSelection.ResolveAsync(options.Guests, cancellationToken).ConfigureAwait(false);
        return $"ovsdb-server, ovn-northd, ovs-vswitchd, ovn-controller, kubectl found; {cleaned.Count} dead run(s) cleaned\n"
            + $"guests ({GuestSelection.EnvironmentVariable}={options.Guests}): {selection.Reason}";
    }

    private async Task<string> StartRigAsync(CancellationToken cancellationToken)
    {
        rig = await global::VmNet.Sandbox.Rig.Rig.StartAsync(new RigOptions { NodeCount = 2, Encap = EncapType.Geneve }, cancellationToken).ConfigureAwait(false);
        network = new DirectPlugNetwork(rig);
        var chassis = await rig.Central.ChassisNamesAsync(cancellationToken).ConfigureAwait(false);
        return string.Join('\n',
            rig.ToString(),
            "run directory " + rig.Directory,
            "NB " + rig.Central.NorthboundConnection,
            $"chassis registered in SB: {string.Join(", ", chassis)}",
            string.Create(CultureInfo.InvariantCulture, $"started in {rig.StartupTime.TotalSeconds:0.0} s, {rig.DaemonPids.Count} OVN/OVS daemons"));
    }

    private async Task<string> StartApiAsync(CancellationToken cancellationToken)
    {
        api = await SandboxApi.StartAsync(paths.Kubeconfig, cancellationToken).ConfigureAwait(false);
        kubeVirt = new KubeVirtPlayer(api, Path.Combine(paths.StateDirectory, "manifests"));
        var version = await api.KubectlAsync(["version", "-o", "json"], cancellationToken).ConfigureAwait(false);
        var serverVersion = System.Text.Json.Nodes.JsonNode.Parse(version.Stdout)?["serverVersion"]?["gitVersion"]?.GetValue<string>();
        return $"{api.Server.BaseAddress} (self-signed certificate, bearer token)\nkubeconfig {paths.Kubeconfig}\nkubectl version: server {serverVersion}";
    }

    private async Task<string> StartControllerAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        var client = RequireApi();
        // The controller's CRDs first: it watches them from the start.
        var crds = await client.KubectlAsync(["apply", "-f", paths.VmNetCrds, "-f", paths.SandboxCrds], cancellationToken).ConfigureAwait(false);
        controller = ControllerProcess.Start(paths.RepositoryRoot, paths.Kubeconfig, activeRig.Central.NorthboundConnection, Path.Combine(paths.StateDirectory, "controller.log"));
        var router = await WaitAsync(
            "the controller to create the cluster router",
            async ct =>
            {
                var list = await activeRig.Central.NbctlAsync(["lr-list"], ct).ConfigureAwait(false);
                return list.Stdout.Trim().Length > 0 ? list.Stdout : null;
            },
            cancellationToken).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture,
            $"kubectl apply -f charts/vmnet/crds -f src/Sandbox/Demo/crds:\n{crds.Stdout.TrimEnd()}\nvmnet-controller pid {controller.Pid}, log {controller.LogPath}\novn-nbctl lr-list: {router.Trim()}\nlauncher pods: {RequireNetwork().Description}");
    }

    private async Task<string> ApplySamplesAsync(CancellationToken cancellationToken)
    {
        var activeRig = RequireRig();
        var client = RequireApi();
        var samples = await client.KubectlAsync(["apply", "-f", paths.KubeVirtSamples], cancellationToken).ConfigureAwait(false);
        var switches = await WaitAsync(
            "the controller to create the sample subnets' logical switches",
            async ct =>
            {
                var list = await activeRig.Central.NbctlAsync(["ls-list"], ct).ConfigureAwait(false);
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
        tearingDown = true;
        var evidence = new List<string>();
        File.Delete(paths.ReadyFile);
        var stoppedGuests = await StopGuestsAsync().ConfigureAwait(false);
        if (stoppedGuests.Count > 0)
        {
            evidence.Add("guests stopped: " + string.Join(", ", stoppedGuests));
        }

        if (controller is not null)
        {
            var pid = controller.Pid;
            await controller.DisposeAsync().ConfigureAwait(false);
            controller = null;
            evidence.Add(string.Create(CultureInfo.InvariantCulture, $"vmnet-controller (pid {pid}) stopped"));
        }

        if (api is not null)
        {
            await api.DisposeAsync().ConfigureAwait(false);
            api = null;
            evidence.Add("API server stopped, kubeconfig removed");
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

            evidence.Add(string.Create(CultureInfo.InvariantCulture, $"{pids.Count} OVN/OVS daemons stopped, {netns.Count} node netns removed, run directory deleted, in {rig.TeardownTime.TotalSeconds:0.0} s"));
            rig = null;
        }

        return evidence.Count == 0 ? "nothing was running" : string.Join('\n', evidence);
    }

    private SandboxApi RequireApi() => api ?? throw new InvalidOperationException("the API server is not running");

    private global::VmNet.Sandbox.Rig.Rig RequireRig() => rig ?? throw new InvalidOperationException("the rig is not running");

    private KubeVirtPlayer RequireKubeVirt() => kubeVirt ?? throw new InvalidOperationException("the API server is not running");

    private ILauncherNetwork RequireNetwork() => network ?? throw new InvalidOperationException("the rig is not running");
}
