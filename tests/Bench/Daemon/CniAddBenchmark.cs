using System.Diagnostics;
using System.Globalization;
using VmNet.ApiServer;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.Bench.Daemon;

/// <summary>
/// CNI ADD latency, exec of the plugin to its result, over 100 pods whose allocation annotations are
/// already there: our binary + daemon on a real rig node (veth, OVS port, ovn-installed, gateway check)
/// next to Debian's reference `bridge` plugin with host-local IPAM doing ADD into a fresh netns, one of
/// each interleaved. Both plugins are exec'd through `ip netns exec` of the same helper netns (the bridge
/// plugin builds its Linux bridge there instead of on the host), so the wrapper costs both sides alike.
/// </summary>
public sealed class CniAddBenchmark : IBenchmark
{
    private const int Pods = 100;
    private const int WarmUp = 3;
    private const string BridgePlugin = "/usr/lib/cni/bridge";

    public string Name => "cni-add";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var vmnet = Path.Combine(TestPaths.RepoRoot, "artifacts", "cni", "kube-ovn");
        if (!File.Exists(vmnet) || !File.Exists(BridgePlugin))
        {
            throw new FileNotFoundException($"need {vmnet} (`make cni`) and {BridgePlugin} (containernetworking-plugins)");
        }

        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync(cancellationToken: cancellationToken);
        await using var rig = await Rig.StartAsync(new RigOptions { NodeCount = 1 }, cancellationToken);
        var node = rig.Nodes[0];
        await using var api = new KubeApiServer(new ApiServerOptions());
        await api.StartAsync(cancellationToken);
        api.WriteKubeconfig(Path.Combine(rig.Directory, "kubeconfig"));
        using var kube = new KubeClient(new KubeConfig(api.BaseAddress));
        await kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = node.Name } }, cancellationToken);
        BenchReport.Figure("machine_load_1min_at_start", LoadAverage(), "");
        await rig.Central.NbctlAsync(Topology, cancellationToken);
        var helper = rig.RunId.Value + "bx";
        rig.Manifest.RecordNetns(helper);
        await NetworkNamespace.AddAsync(helper, cancellationToken);

        // The daemon as shipped (pre-plugging on), then the ADD-time plug alone for comparison.
        await MeasureAsync(new Pass(rig, kube, helper, vmnet, "bench", PrePlug: true, Suffix: "", PodOffset: 0), cancellationToken);
        await MeasureAsync(new Pass(rig, kube, helper, vmnet, "cold", PrePlug: false, Suffix: "_no_preplug", PodOffset: 400), cancellationToken);
        var startup = new List<double>();
        var bridgeStartup = new List<double>();
        for (var i = 0; i < 30; i++)
        {
            startup.Add((await ExecVersionAsync(helper, vmnet, cancellationToken)).Ms);
            bridgeStartup.Add((await ExecVersionAsync(helper, BridgePlugin, cancellationToken)).Ms);
        }

        BenchReport.Figure("cni_version_via_netns_exec_p50_ms_vmnet", Percentile(startup, 0.5), "ms");
        BenchReport.Figure("cni_version_via_netns_exec_p50_ms_bridge", Percentile(bridgeStartup, 0.5), "ms");
        BenchReport.Figure("machine_load_1min_at_end", LoadAverage(), "");
    }

    private sealed record Pass(Rig Rig, KubeClient Kube, string Helper, string Plugin, string Label, bool PrePlug, string Suffix, int PodOffset);

    /// <summary>One daemon, 100 (+ warm-up) pods, our ADD and bridge's interleaved; figures named with the pass's suffix.</summary>
    private static async Task MeasureAsync(Pass pass, CancellationToken cancellationToken)
    {
        var (rig, kube, helper) = (pass.Rig, pass.Kube, pass.Helper);
        var node = rig.Nodes[0];
        var socket = $"/tmp/vmnet-{rig.RunId.Value}-{pass.Label}.sock";
        var kubeconfig = Path.Combine(rig.Directory, "kubeconfig");
        await using var daemon = await BenchDaemonProcess.StartAsync(
            socket,
            [
                "--node-name", node.Name,
                "--kubeconfig", kubeconfig,
                "--ovs-db", node.Ovsdb.UnixConnection,
                "--ovn-remote", rig.Central.SouthboundConnection,
                "--encap-ip", rig.Options.NodeUnderlayIp(1),
                "--host-netns", node.Netns,
                "--datapath-type", "netdev",
                "--pre-plug", pass.PrePlug ? "true" : "false",
            ],
            rig.Manifest,
            echo: Environment.GetEnvironmentVariable("VMNET_BENCH_LOG") == "1",
            cancellationToken);

        BenchReport.Figure("daemon_start_to_serving_ms" + pass.Suffix, daemon.StartupMs, "ms");
        var pods = await PreparePodsAsync(rig, kube, pass.Label, pass.PodOffset, cancellationToken);
        var ipamDir = Path.Combine(rig.Directory, "host-local");
        var bridgeConf = $$$"""{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"{{{rig.RunId.Value}}}br","isGateway":true,"ipam":{"type":"host-local","subnet":"10.99.0.0/16","dataDir":"{{{ipamDir}}}"}}""";
        var oursConf = $$"""{"cniVersion":"1.0.0","name":"kube-ovn","type":"kube-ovn","server_socket":"{{socket}}"}""";

        var ours = new List<double>(Pods);
        var bridge = new List<double>(Pods);
        var phases = new List<IReadOnlyDictionary<string, double>>(Pods);
        var outsideDaemon = new List<double>(Pods);
        var beforeDaemon = new List<double>(Pods);
        var afterDaemon = new List<double>(Pods);
        for (var i = 0; i < pods.Count; i++)
        {
            var (name, containerId, uid) = pods[i];
            var podNs = rig.RunId.Value + pass.Label[0] + "o" + i.ToString(CultureInfo.InvariantCulture);
            var refNs = rig.RunId.Value + pass.Label[0] + "r" + i.ToString(CultureInfo.InvariantCulture);
            foreach (var ns in new[] { podNs, refNs })
            {
                rig.Manifest.RecordNetns(ns);
                await NetworkNamespace.AddAsync(ns, cancellationToken);
            }

            var exec = await ExecAddAsync(helper, pass.Plugin, containerId, podNs, name, uid, oursConf, cancellationToken);
            var a = exec.Ms;
            var b = (await ExecAddAsync(helper, BridgePlugin, "ref" + containerId, refNs, name, uid, bridgeConf, cancellationToken)).Ms;
            if (i >= WarmUp)
            {
                ours.Add(a);
                bridge.Add(b);
                var daemonPhases = await daemon.PhasesAsync(containerId, cancellationToken);
                phases.Add(daemonPhases);
                outsideDaemon.Add(a - daemonPhases["TotalMs"]);
                var startedUs = daemonPhases[BenchDaemonProcess.StartedUsKey];
                beforeDaemon.Add((startedUs - exec.StartUs) / 1000.0);
                afterDaemon.Add((exec.EndUs - startedUs) / 1000.0 - daemonPhases["TotalMs"]);
            }
        }

        var ourP50 = Percentile(ours, 0.5);
        var bridgeP50 = Percentile(bridge, 0.5);
        var suffix = pass.Suffix;
        BenchReport.Figure("cni_add_p50_ms_vmnet" + suffix, ourP50, "ms");
        BenchReport.Figure("cni_add_p99_ms_vmnet" + suffix, Percentile(ours, 0.99), "ms");
        BenchReport.Figure("cni_add_p50_ms_bridge" + suffix, bridgeP50, "ms");
        BenchReport.Figure("cni_add_p99_ms_bridge" + suffix, Percentile(bridge, 0.99), "ms");
        BenchReport.Figure("cni_add_p50_ratio_vmnet_over_bridge" + suffix, ourP50 / bridgeP50, "x");

        // Where our time goes: the daemon's phases (its log fields) and what is left for exec + the binary + HTTP.
        foreach (var phase in phases[0].Keys.Where(k => k != BenchDaemonProcess.StartedUsKey))
        {
            var values = phases.Select(p => p[phase]).ToList();
            BenchReport.Figure($"cni_add_phase_{PhaseName(phase)}_p50_ms{suffix}", Percentile(values, 0.5), "ms");
            BenchReport.Figure($"cni_add_phase_{PhaseName(phase)}_p99_ms{suffix}", Percentile(values, 0.99), "ms");
        }

        BenchReport.Figure("cni_add_outside_daemon_p50_ms" + suffix, Percentile(outsideDaemon, 0.5), "ms");

        // The outside split by CLOCK_MONOTONIC stamps of both processes: exec (ip netns exec, the binary's start and
        // request, the daemon's accept and dispatch) up to the ADD's first line, and from its last line to the exit.
        BenchReport.Figure("cni_add_exec_to_daemon_p50_ms" + suffix, Percentile(beforeDaemon, 0.5), "ms");
        BenchReport.Figure("cni_add_daemon_to_exit_p50_ms" + suffix, Percentile(afterDaemon, 0.5), "ms");
        BenchReport.Figure("machine_load_1min" + (suffix.Length == 0 ? "_after_preplug_pass" : "_after" + suffix + "_pass"), LoadAverage(), "");
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static readonly string[] Topology =
    [
        "lr-add", "ovn-cluster", "--", "ls-add", "ovn-default",
        "--", "lrp-add", "ovn-cluster", "ovn-cluster-ovn-default", "0a:00:00:10:00:01", "10.16.0.1/16",
        "--", "lsp-add", "ovn-default", "ovn-default-ovn-cluster", "--", "lsp-set-type", "ovn-default-ovn-cluster", "router",
        "--", "lsp-set-addresses", "ovn-default-ovn-cluster", "router", "--", "lsp-set-options", "ovn-default-ovn-cluster", "router-port=ovn-cluster-ovn-default",
    ];

    /// <summary>
    /// The controller's part, done before timing, in its order: logical ports (one nbctl call), then the pods with
    /// their allocation annotations. Pod <c>i</c> gets address index <c>i + offset</c>.
    /// </summary>
    private static async Task<List<(string Name, string ContainerId, string Uid)>> PreparePodsAsync(Rig rig, KubeClient kube, string label, int offset, CancellationToken cancellationToken)
    {
        const string lsCidr = "10.16.0.0/16";
        var nbctl = new List<string> { "--may-exist", "ls-add", "ovn-default" };
        var allocations = new List<(string Name, string Ip, string Mac)>();
        for (var i = 0; i < Pods + WarmUp; i++)
        {
            var name = label + "-" + i.ToString(CultureInfo.InvariantCulture);
            var n = i + offset;
            var ip = $"10.16.{(n / 200) + 1}.{(n % 200) + 10}";
            var mac = $"0a:58:0a:10:{(n / 200) + 1:x2}:{(n % 200) + 10:x2}";
            nbctl.AddRange(["--", "lsp-add", "ovn-default", name + ".default", "--", "lsp-set-addresses", name + ".default", mac + " " + ip]);
            allocations.Add((name, ip, mac));
        }

        await rig.Central.NbctlAsync(nbctl, cancellationToken);
        var pods = new List<(string, string, string)>();
        foreach (var (name, ip, mac) in allocations)
        {
            var created = await kube.CreateAsync(
                new V1Pod
                {
                    ApiVersion = "v1",
                    Kind = "Pod",
                    Metadata = new V1ObjectMeta
                    {
                        Name = name,
                        Namespace = "default",
                        Annotations = new Dictionary<string, string>
                        {
                            ["ovn.kubernetes.io/allocated"] = "true",
                            ["ovn.kubernetes.io/ip_address"] = ip,
                            ["ovn.kubernetes.io/mac_address"] = mac,
                            ["ovn.kubernetes.io/cidr"] = lsCidr,
                            ["ovn.kubernetes.io/gateway"] = "10.16.0.1",
                            ["ovn.kubernetes.io/logical_switch"] = "ovn-default",
                            ["ovn.kubernetes.io/routed"] = "true",
                        },
                    },
                    Spec = new V1PodSpec { NodeName = rig.Nodes[0].Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
                cancellationToken);
            pods.Add((name, (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64], created.Metadata?.Uid ?? ""));
        }

        await rig.SyncHypervisorsAsync(cancellationToken);
        return pods;
    }

    private static string PhaseName(string field) =>
        string.Concat(field[..^2].Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>Bare start-up: CNI_COMMAND=VERSION through the same `ip netns exec` wrapper as the ADDs.</summary>
    private static async Task<Exec> ExecVersionAsync(string helperNetns, string plugin, CancellationToken cancellationToken)
    {
        var psi = PluginStart(helperNetns, plugin);
        psi.Environment["CNI_COMMAND"] = "VERSION";
        return await RunAsync(psi, """{"cniVersion":"1.0.0"}""", "supportedVersions", plugin + " VERSION", cancellationToken);
    }

    private static ProcessStartInfo PluginStart(string helperNetns, string plugin)
    {
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", helperNetns, plugin })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        return psi;
    }

    private static async Task<Exec> ExecAddAsync(string helperNetns, string plugin, string containerId, string podNetns, string podName, string podUid, string netconf, CancellationToken cancellationToken)
    {
        var psi = PluginStart(helperNetns, plugin);
        psi.Environment["CNI_COMMAND"] = "ADD";
        psi.Environment["CNI_CONTAINERID"] = containerId;
        psi.Environment["CNI_NETNS"] = "/var/run/netns/" + podNetns;
        psi.Environment["CNI_IFNAME"] = "eth0";
        psi.Environment["CNI_PATH"] = "/usr/lib/cni";
        psi.Environment["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={podName};K8S_POD_INFRA_CONTAINER_ID={containerId};K8S_POD_UID={podUid}";
        return await RunAsync(psi, netconf, "\"ips\"", $"{plugin} ADD for {podName}", cancellationToken);
    }

    private static async Task<Exec> RunAsync(ProcessStartInfo psi, string stdin, string expected, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + what);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        if (process.ExitCode != 0 || !(await stdout).Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{what} failed ({process.ExitCode}): {await stdout} {await stderr}");
        }

        return new Exec(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds, MonotonicUs(started), MonotonicUs(ended));
    }

    private static long MonotonicUs(long timestamp) => (long)(timestamp * (1_000_000.0 / Stopwatch.Frequency));

    /// <summary>One plugin run: its duration and its bounds in CLOCK_MONOTONIC microseconds (the daemon logs the same clock).</summary>
    private readonly record struct Exec(double Ms, long StartUs, long EndUs);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
