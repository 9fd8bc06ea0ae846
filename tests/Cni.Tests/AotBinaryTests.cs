using System.Text;
using VmNet.Cni.Tests.Infrastructure;

namespace VmNet.Cni.Tests;

/// <summary>The plugin must be a self-contained native executable: kubelet execs it on hosts without .NET.</summary>
[Collection(CniBinaryCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class AotBinaryTests(CniBinaryFixture binary)
{
    [Fact]
    public async Task Binary_is_a_native_elf_executable()
    {
        var header = new byte[20];
        await using (var file = File.OpenRead(binary.BinaryPath))
        {
            await file.ReadExactlyAsync(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        Assert.Equal(2, header[4]); // ELFCLASS64
        Assert.Equal(0x3e, header[18]); // EM_X86_64
        Assert.True((File.GetUnixFileMode(binary.BinaryPath) & UnixFileMode.UserExecute) != 0);
    }

    [Fact]
    public async Task Binary_is_not_an_apphost_needing_the_dotnet_runtime()
    {
        var dir = Path.GetDirectoryName(binary.BinaryPath)!;
        var image = await File.ReadAllBytesAsync(binary.BinaryPath);

        // An apphost is ~70 KB and loads libhostfxr + vmnet.dll; a NativeAOT image has the runtime linked in.
        Assert.False(File.Exists(Path.Combine(dir, "vmnet.dll")), "vmnet.dll next to the binary: not a NativeAOT publish");
        Assert.False(File.Exists(Path.Combine(dir, "vmnet.runtimeconfig.json")), "runtimeconfig next to the binary: framework-dependent publish");
        Assert.True(image.Length > 1_000_000, $"binary is only {image.Length} bytes: looks like an apphost");
        Assert.Equal(-1, image.AsSpan().IndexOf("libhostfxr"u8));
        Assert.Equal(-1, image.AsSpan().IndexOf("libcoreclr.so"u8));
    }

    [Fact]
    public async Task Binary_runs_with_an_empty_environment()
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "VERSION", ["PATH"] = "/nonexistent" }, "");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("supportedVersions", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kube_ovn_name_is_a_link_to_the_same_binary()
    {
        var link = new FileInfo(binary.KubeOvnPath);

        Assert.NotNull(link.LinkTarget);
        Assert.Equal(Path.GetFullPath(binary.BinaryPath), link.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
        var run = await CniExec.RunAsync(binary.KubeOvnPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "VERSION" }, "");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(Encoding.UTF8.GetString("\"1.1.0\""u8), run.Stdout, StringComparison.Ordinal);
    }
}
