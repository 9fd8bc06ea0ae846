using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>Shape of a <see cref="VmNetStack"/>: the rig under it, where the built binaries are, and the daemons' timeouts.</summary>
public sealed record StackOptions
{
    /// <summary>The repository holding artifacts/cni/vmnet (`make cni`), the built controller and daemon, and charts/vmnet/crds.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>OVN central and the nodes; two Geneve nodes on a 1500-byte underlay by default.</summary>
    public RigOptions Rig { get; init; } = new() { NodeCount = 2, Encap = EncapType.Geneve };

    /// <summary>How long a daemon's ADD waits for the controller's annotations (vmnet-daemon --annotation-timeout).</summary>
    public TimeSpan AnnotationTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Serve the API over HTTPS (self-signed certificate in the kubeconfig) with a random bearer token, as a real
    /// cluster does; otherwise plain HTTP on loopback without authentication.
    /// </summary>
    public bool SecureApi { get; init; } = true;

    /// <summary>Bound for the whole start-up, and for each readiness wait after a restart.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Configuration of src/Daemon/bin/&lt;Configuration&gt;/net10.0, when the daemon is not beside the running executable.</summary>
    public string Configuration { get; init; } = RunningConfiguration();

    /// <summary>vmnet-daemon.dll; default: next to the running executable (tests reference the daemon), else src/Daemon/bin.</summary>
    public string? DaemonAssembly { get; init; }

    /// <summary>The CNI binary (NativeAOT) kubelet would exec.</summary>
    public string CniBinary => Path.Combine(RepositoryRoot, "artifacts", "cni", "vmnet");

    public string EffectiveDaemonAssembly
    {
        get
        {
            if (DaemonAssembly is not null)
            {
                return DaemonAssembly;
            }

            var beside = Path.Combine(AppContext.BaseDirectory, "vmnet-daemon.dll");
            return File.Exists(beside) ? beside : Path.Combine(RepositoryRoot, "src", "Daemon", "bin", Configuration, "net10.0", "vmnet-daemon.dll");
        }
    }

    /// <summary>Where <see cref="Demo.ControllerProcess"/> runs the controller from.</summary>
    public string ControllerAssembly => Demo.ControllerProcess.AssemblyPath(RepositoryRoot);

    /// <summary>The chart's kubeovn.io CRDs and the sandbox's KubeVirt/Multus ones, applied with kubectl as a user would.</summary>
    public IReadOnlyList<string> CrdDirectories =>
        [Path.Combine(RepositoryRoot, "charts", "vmnet", "crds"), Path.Combine(RepositoryRoot, "src", "Sandbox", "Demo", "crds")];

    /// <summary>Throws naming the first missing binary and how to build it.</summary>
    public void EnsureBuilt()
    {
        Require(CniBinary, "make cni");
        Require(EffectiveDaemonAssembly, "dotnet build src/Daemon -c " + Configuration);
        Require(ControllerAssembly, "dotnet build src/Controller");
        foreach (var directory in CrdDirectories)
        {
            if (!Directory.Exists(directory))
            {
                throw new DirectoryNotFoundException($"CRD directory {directory} is missing (RepositoryRoot '{RepositoryRoot}')");
            }
        }
    }

    /// <summary>The configuration this executable was built in (bin/&lt;Configuration&gt;/net10.0), as <see cref="Demo.ControllerProcess"/> assumes too.</summary>
    private static string RunningConfiguration()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)));
        return string.IsNullOrEmpty(configuration) ? "Release" : configuration;
    }

    private static void Require(string path, string buildCommand)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: build it with `{buildCommand}`", path);
        }
    }
}
