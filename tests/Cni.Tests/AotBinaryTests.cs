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

    [Fact]
    public async Task Binary_is_static_needing_no_dynamic_loader_or_node_glibc()
    {
        var image = await File.ReadAllBytesAsync(binary.BinaryPath);
        var programHeaders = BitConverter.ToInt64(image, 0x20);
        var entrySize = BitConverter.ToUInt16(image, 0x36);
        var count = BitConverter.ToUInt16(image, 0x38);
        const uint PtInterp = 3;
        const uint PtDynamic = 2;
        var types = Enumerable.Range(0, count).Select(i => BitConverter.ToUInt32(image, (int)programHeaders + (i * entrySize))).ToList();

        Assert.DoesNotContain(PtInterp, types);
        Assert.DoesNotContain(PtDynamic, types);
    }

    [Fact]
    public async Task Answer_is_written_at_the_callers_offset_when_stdout_is_a_file()
    {
        // The runtime's redirection already holds output; the answer goes after it, as write(2) on fd 1 does.
        var file = Path.Combine(Path.GetTempPath(), $"vmnet-stdout-{Guid.NewGuid():N}");
        try
        {
            var run = await Shell($"{{ printf before; \"$B\" < /dev/null; printf after; }} > {file}");

            Assert.True(run.ExitCode == 0, run.ToString());
            var written = await File.ReadAllTextAsync(file);
            Assert.StartsWith("before{", written, StringComparison.Ordinal);
            Assert.EndsWith("}\nafter", written, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Stdout_that_cannot_be_written_fails_with_exit_1_and_a_message_on_stderr()
    {
        var run = await Shell("\"$B\" < /dev/null > /dev/full");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot write the CNI answer to stdout", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Stderr, StringComparison.Ordinal);
    }

    private Task<CniRun> Shell(string script) =>
        CniExec.RunAsync("/bin/sh", new Dictionary<string, string?> { ["CNI_COMMAND"] = "VERSION", ["B"] = binary.BinaryPath }, "", args: ["-c", script]);
}
