using System.Diagnostics;
using VmNet.TestSupport;

namespace VmNet.Cni.Tests.Infrastructure;

/// <summary>
/// The published NativeAOT plugin under artifacts/cni (what `make cni` produces). When it is
/// missing or older than its sources, it is published here, so tests never run a stale binary.
/// VMNET_CNI_BINARY points the tests at another build.
/// </summary>
public sealed class CniBinaryFixture : IAsyncLifetime
{
    private static readonly string PublishDir = Path.Combine(TestPaths.RepoRoot, "artifacts", "cni");

    public string BinaryPath { get; } = Environment.GetEnvironmentVariable("VMNET_CNI_BINARY") ?? Path.Combine(PublishDir, "vmnet");

    public string KubeOvnPath => Path.Combine(Path.GetDirectoryName(BinaryPath)!, "kube-ovn");

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("VMNET_CNI_BINARY") is null && IsStale())
        {
            await PublishAsync();
        }

        if (!File.Exists(BinaryPath))
        {
            throw new InvalidOperationException($"CNI binary not found at {BinaryPath}");
        }

        if (!File.Exists(KubeOvnPath))
        {
            File.CreateSymbolicLink(KubeOvnPath, "vmnet");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private bool IsStale()
    {
        if (!File.Exists(BinaryPath))
        {
            return true;
        }

        var built = File.GetLastWriteTimeUtc(BinaryPath);
        var sources = Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "src", "Cni"), "*.cs*", SearchOption.TopDirectoryOnly)
            .Concat(Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "src", "VmNet", "Cni"), "*.cs", SearchOption.AllDirectories));
        return sources.Any(f => File.GetLastWriteTimeUtc(f) > built);
    }

    private static async Task PublishAsync()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", "src/Cni", "-c", "Release", "-r", "linux-x64", "-o", PublishDir, "-nologo", "-clp:ErrorsOnly" },
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish src/Cni failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CniBinaryCollection : ICollectionFixture<CniBinaryFixture>
{
    public const string Name = "cni-binary";
}
