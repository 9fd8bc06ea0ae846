namespace VmNet.Sandbox.Demo;

/// <summary>Where the sandbox finds the repository's manifests and keeps its state (kubeconfig, lock).</summary>
public sealed record SandboxPaths(string RepositoryRoot, string StateDirectory)
{
    public string Kubeconfig => Path.Combine(StateDirectory, "kubeconfig");

    public string ReadyFile => Path.Combine(StateDirectory, "ready");

    public string VmNetCrds => Path.Combine(RepositoryRoot, "charts", "vmnet", "crds");

    public string SandboxCrds => Path.Combine(RepositoryRoot, "src", "Sandbox", "Demo", "crds");

    public string KubeVirtSamples => Path.Combine(RepositoryRoot, "samples", "kubevirt");

    /// <summary>The repository root is the first ancestor (of the working directory, then of the executable) holding samples/kubevirt.</summary>
    public static SandboxPaths Discover(string stateDirectory)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (Directory.Exists(Path.Combine(directory.FullName, "samples", "kubevirt"))
                    && Directory.Exists(Path.Combine(directory.FullName, "charts", "vmnet", "crds")))
                {
                    return new SandboxPaths(directory.FullName, stateDirectory);
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"cannot find the VmNet repository (samples/kubevirt and charts/vmnet/crds) above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}");
    }
}
