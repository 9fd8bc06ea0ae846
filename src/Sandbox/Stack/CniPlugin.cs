using System.Diagnostics;
using System.Text;

namespace VmNet.Sandbox.Stack;

/// <summary>Runs the published CNI binary (artifacts/cni/vmnet, `make cni`).</summary>
public sealed class CniPlugin(string binaryPath)
{
    public string BinaryPath { get; } = binaryPath;

    /// <summary>The netconf kubelet reads from /etc/cni/net.d for the default network, Kube-OVN style.</summary>
    public static string NetConf(string socketPath, string cniVersion = "1.0.0", string type = "kube-ovn") =>
        $$"""{"cniVersion":"{{cniVersion}}","name":"kube-ovn","type":"{{type}}","server_socket":"{{socketPath}}","daemon_timeout_seconds":90}""";

    public async Task<CniOutcome> RunAsync(CniInvocation invocation, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (!File.Exists(BinaryPath))
        {
            throw new FileNotFoundException($"CNI binary {BinaryPath} is missing: run `make cni`", BinaryPath);
        }

        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CNI_COMMAND"] = invocation.Command;
        start.Environment["CNI_CONTAINERID"] = invocation.ContainerId;
        start.Environment["CNI_IFNAME"] = invocation.IfName;
        start.Environment["CNI_PATH"] = "/opt/cni/bin:" + Path.GetDirectoryName(BinaryPath);
        start.Environment["CNI_ARGS"] = invocation.CniArgs;
        if (invocation.NetnsPath is not null)
        {
            start.Environment["CNI_NETNS"] = invocation.NetnsPath;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + BinaryPath);
        try
        {
            await process.StandardInput.WriteAsync(new StringBuilder(invocation.NetConf), bounded.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(bounded.Token);
            var stderr = process.StandardError.ReadToEndAsync(bounded.Token);
            await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
            return new CniOutcome(invocation.Command, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), stopwatch.Elapsed);
        }
        catch (OperationCanceledException)
        {
            // Never leave a plugin running behind a caller that gave up on it.
            process.Kill();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"CNI {invocation.Command} for container {invocation.ContainerId} did not finish within {timeout.TotalSeconds:0} s");
        }
    }
}
