using System.Diagnostics;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// The VmNet controller (the real vmnet-controller executable built by `make build`) as a child process on the
/// sandbox's kubeconfig and Northbound DB; its log goes to the state directory.
/// </summary>
public sealed class ControllerProcess : IAsyncDisposable
{
    private readonly Process process;

    private ControllerProcess(Process process, string logPath)
    {
        this.process = process;
        LogPath = logPath;
    }

    public int Pid => process.Id;

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    /// <summary>The controller built in the same configuration as this executable (bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string AssemblyPath(string repositoryRoot)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)));
        return Path.Combine(repositoryRoot, "src", "Controller", "bin", string.IsNullOrEmpty(configuration) ? "Release" : configuration, "net10.0", "vmnet-controller.dll");
    }

    public static ControllerProcess Start(string repositoryRoot, string kubeconfig, string northbound, string logPath, string? southbound = null, string clusterRouter = "ovn-cluster")
    {
        var assembly = AssemblyPath(repositoryRoot);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"{assembly} is missing: build it with `make build` (or dotnet build src/Controller -c Release)", assembly);
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "exec", assembly, "--kubeconfig=" + kubeconfig, "--ovn-nb-addr=" + northbound, "--disable-leader-election",
            "--keep-vm-ip=true", "--pod-namespace=kube-system", "--pod-name=vmnet-controller-sandbox", "--kubevirt-discovery-interval=1",
            "--cluster-router=" + clusterRouter, "--ovn-sb-addr=" + southbound,
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the controller");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var sync = new Lock();
        void Append(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (sync)
                {
                    log.WriteLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Exited += (_, _) => log.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ControllerProcess(process, logPath);
    }

    public string LogTail(int lines) =>
        File.Exists(LogPath) ? string.Join('\n', ReadShared(LogPath).Split('\n').TakeLast(lines)) : string.Empty;

    /// <summary>SIGTERM (the controller stops gracefully), SIGKILL after a grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await ProcessSignals.TerminateAsync([process.Id], TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        process.Dispose();
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
