using System.Diagnostics;
using System.Text.Json.Nodes;

namespace VmNet.Cni.Tests.Infrastructure;

/// <summary>Outcome of one plugin exec.</summary>
public sealed record CniRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool StdinBrokenPipe = false)
{
    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout is JSON null");

    public int ErrorCode => (int)Json["code"]!;

    public string Msg => (string)Json["msg"]!;

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Executes the plugin as kubelet/libcni does: CNI_* env (and nothing of ours), netconf on stdin.</summary>
public static class CniExec
{
    public const string PodArgs = "K8S_POD_NAMESPACE=default;K8S_POD_NAME=virt-launcher-vm1-x2x9q;K8S_POD_INFRA_CONTAINER_ID=4f0c2e;K8S_POD_UID=0b6e4c3a-11";

    public static Dictionary<string, string?> Env(string command, string? netns = "/var/run/netns/cni-test", string? args = PodArgs) => new()
    {
        ["CNI_COMMAND"] = command,
        ["CNI_CONTAINERID"] = "4f0c2e0123456789abcdef",
        ["CNI_NETNS"] = netns,
        ["CNI_IFNAME"] = "eth0",
        ["CNI_ARGS"] = args,
        ["CNI_PATH"] = "/opt/cni/bin",
    };

    public static async Task<CniRun> RunAsync(string binary, IDictionary<string, string?> env, string stdin, TimeSpan? limit = null, IReadOnlyList<string>? args = null)
    {
        var psi = new ProcessStartInfo(binary, args ?? [])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (key, value) in env)
        {
            if (value is not null)
            {
                psi.Environment[key] = value;
            }
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var brokenPipe = false;
        try
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The plugin exited without reading all of stdin; Go's os/exec (kubelet, containerd) ignores this.
            brokenPipe = true;
        }
        using var cts = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{binary} did not exit within {limit ?? TimeSpan.FromSeconds(30)}");
        }

        watch.Stop();
        return new CniRun(process.ExitCode, (await stdout).Trim(), await stderr, watch.Elapsed, brokenPipe);
    }
}
