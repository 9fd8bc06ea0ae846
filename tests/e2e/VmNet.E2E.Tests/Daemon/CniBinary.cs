using System.Diagnostics;
using System.Text;
using VmNet.TestSupport;

namespace VmNet.E2E.Daemon;

/// <summary>The published CNI binary (artifacts/cni/kube-ovn, `make cni`), run exactly as kubelet runs it: environment plus netconf on stdin.</summary>
public static class CniBinary
{
    public static string Path => System.IO.Path.Combine(TestPaths.RepoRoot, "artifacts", "cni", "kube-ovn");

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    public static async Task<Outcome> RunAsync(
        string command, string containerId, string? netns, string ifName, string podNamespace, string podName, string stdin, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            throw new FileNotFoundException("CNI binary not published: run `make cni`", Path);
        }

        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CNI_COMMAND"] = command;
        start.Environment["CNI_CONTAINERID"] = containerId;
        start.Environment["CNI_IFNAME"] = ifName;
        start.Environment["CNI_PATH"] = "/opt/cni/bin:" + System.IO.Path.GetDirectoryName(Path);
        start.Environment["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={podNamespace};K8S_POD_NAME={podName};K8S_POD_INFRA_CONTAINER_ID={containerId}";
        if (netns is not null)
        {
            start.Environment["CNI_NETNS"] = netns;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Path);
        await process.StandardInput.WriteAsync(new StringBuilder(stdin), cancellationToken);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new Outcome(process.ExitCode, await stdout, await stderr, stopwatch.Elapsed);
    }

    public static string NetConf(string socket, string cniVersion = "1.0.0") =>
        $$"""{"cniVersion":"{{cniVersion}}","name":"kube-ovn","type":"kube-ovn","server_socket":"{{socket}}","daemon_timeout_seconds":90}""";
}
