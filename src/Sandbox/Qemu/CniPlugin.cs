using System.Diagnostics;
using System.Text;

namespace VmNet.Sandbox.Qemu;

/// <summary>What one CNI plugin run returned.</summary>
public sealed record CniOutcome(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"CNI {Command} exit {ExitCode} in {Elapsed.TotalMilliseconds:0} ms: {Stdout.Trim()} {Stderr.Trim()}";
}

/// <summary>
/// The VmNet CNI binary (artifacts/cni/vmnet, <c>make cni</c>) run the way kubelet runs it: CNI_* environment
/// and the network configuration on stdin. It talks to the node daemon on <c>server_socket</c>.
/// </summary>
public sealed class CniPlugin(string binaryPath)
{
    public string BinaryPath { get; } = binaryPath;

    /// <summary>The default network's configuration for a daemon listening on <paramref name="socket"/>.</summary>
    public static string NetConf(string socket) =>
        $$"""{"cniVersion":"1.0.0","name":"kube-ovn","type":"kube-ovn","server_socket":"{{socket}}","daemon_timeout_seconds":90}""";

    public async Task<CniOutcome> RunAsync(
        string command, string containerId, string netnsPath, string ifName, string podNamespace, string podName, string netConf, CancellationToken cancellationToken)
    {
        if (!File.Exists(BinaryPath))
        {
            throw new FileNotFoundException($"CNI binary {BinaryPath} not found: run `make cni`", BinaryPath);
        }

        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CNI_COMMAND"] = command;
        start.Environment["CNI_CONTAINERID"] = containerId;
        start.Environment["CNI_IFNAME"] = ifName;
        start.Environment["CNI_NETNS"] = netnsPath;
        start.Environment["CNI_PATH"] = Path.GetDirectoryName(BinaryPath);
        start.Environment["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={podNamespace};K8S_POD_NAME={podName};K8S_POD_INFRA_CONTAINER_ID={containerId}";
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new QemuException("could not start " + BinaryPath);
        await process.StandardInput.WriteAsync(new StringBuilder(netConf), cancellationToken).ConfigureAwait(false);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new CniOutcome(command, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), stopwatch.Elapsed);
    }
}
