using System.Diagnostics;
using VmNet.TestSupport;

namespace VmNet.Bench.Cni;

/// <summary>
/// Bare start-up of the CNI plugin: CNI_COMMAND=VERSION exec'd the way libcni does it, p50 over
/// 100 runs, next to the reference `bridge` plugin (Go, containernetworking-plugins) doing the same.
/// Every pod NIC costs at least one such exec, so this is the floor of our ADD latency.
/// </summary>
public sealed class CniStartupBenchmark : IBenchmark
{
    private const int Runs = 100;
    private const int WarmUp = 5;
    private const string BridgePlugin = "/usr/lib/cni/bridge";
    private const string Stdin = """{"cniVersion":"1.0.0"}""";

    public string Name => "cni";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var vmnet = Environment.GetEnvironmentVariable("VMNET_CNI_BINARY") ?? Path.Combine(TestPaths.RepoRoot, "artifacts", "cni", "vmnet");
        if (!File.Exists(vmnet))
        {
            throw new FileNotFoundException($"CNI binary not found at {vmnet}: run `make cni` first", vmnet);
        }

        if (!File.Exists(BridgePlugin))
        {
            throw new FileNotFoundException($"reference plugin not found at {BridgePlugin}: install containernetworking-plugins", BridgePlugin);
        }

        // Interleaved, so drift in machine load (2 shared cores) hits both sides alike.
        var ours = new List<double>(Runs);
        var bridge = new List<double>(Runs);
        for (var i = 0; i < WarmUp + Runs; i++)
        {
            var a = await ExecAsync(vmnet, VersionEnvironment, Stdin, "supportedVersions", cancellationToken);
            var b = await ExecAsync(BridgePlugin, VersionEnvironment, Stdin, "supportedVersions", cancellationToken);
            if (i >= WarmUp)
            {
                ours.Add(a);
                bridge.Add(b);
            }
        }

        var oursP50 = Percentile(ours, 0.5);
        var bridgeP50 = Percentile(bridge, 0.5);
        BenchReport.Figure("cni_version_p50_ms_vmnet", oursP50, "ms");
        BenchReport.Figure("cni_version_p50_ms_bridge", bridgeP50, "ms");
        BenchReport.Figure("cni_version_p50_ratio_vmnet_over_bridge", oursP50 / bridgeP50, "x");
        BenchReport.Figure("cni_version_p90_ms_vmnet", Percentile(ours, 0.9), "ms");
        BenchReport.Figure("cni_version_p90_ms_bridge", Percentile(bridge, 0.9), "ms");

        // ADD through the plugin against a daemon that answers instantly: the plugin's own share
        // of pod-network set-up (no peer figure: bridge's ADD needs a real netns and bridge).
        await using var daemon = new StubDaemon();
        var stdin = $$"""{"cniVersion":"0.3.1","name":"kube-ovn","type":"kube-ovn","server_socket":"{{daemon.SocketPath}}"}""";
        var adds = new List<double>(Runs);
        for (var i = 0; i < WarmUp + Runs; i++)
        {
            var ms = await ExecAsync(vmnet, AddEnvironment, stdin, "\"ips\"", cancellationToken);
            if (i >= WarmUp)
            {
                adds.Add(ms);
            }
        }

        BenchReport.Figure("cni_add_p50_ms_vmnet_stub_daemon", Percentile(adds, 0.5), "ms");
    }

    private static readonly Dictionary<string, string> AddEnvironment = new()
    {
        ["CNI_COMMAND"] = "ADD",
        ["CNI_CONTAINERID"] = "4f0c2e0123456789abcdef",
        ["CNI_NETNS"] = "/var/run/netns/bench",
        ["CNI_IFNAME"] = "eth0",
        ["CNI_ARGS"] = "K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench;K8S_POD_INFRA_CONTAINER_ID=4f0c2e;K8S_POD_UID=u",
        ["CNI_PATH"] = "/opt/cni/bin",
    };

    private static readonly Dictionary<string, string> VersionEnvironment = new() { ["CNI_COMMAND"] = "VERSION" };

    private static async Task<double> ExecAsync(
        string plugin, Dictionary<string, string> environment, string stdin, string expected, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(plugin)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }


        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {plugin}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // bridge (libcni skel) answers VERSION without reading stdin; Go's os/exec, which
            // runtimes use, ignores the resulting EPIPE, and so do we.
        }
        await process.WaitForExitAsync(cancellationToken);
        watch.Stop();

        var output = await stdout;
        if (process.ExitCode != 0 || !output.Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{plugin} {environment["CNI_COMMAND"]} failed (exit {process.ExitCode}): {output} {await stderr}");
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        var rank = p * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
