using VmNet.Cni.Tests.Infrastructure;

namespace VmNet.Cni.Tests;

[Collection(CniBinaryCollection.Name)]
public class VersionCommandTests(CniBinaryFixture binary)
{
    [Theory]
    [InlineData("")]
    [InlineData("""{"cniVersion":"0.3.1"}""")]
    [InlineData("""{"cniVersion":"1.1.0"}""")]
    public async Task Version_prints_supported_versions(string stdin)
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "VERSION" }, stdin);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("1.1.0", (string?)run.Json["cniVersion"]);
        Assert.Equal(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"], run.Json["supportedVersions"]!.AsArray().Select(v => (string)v!));
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Version_consumes_stdin_so_the_runtime_never_sees_a_broken_pipe()
    {
        var large = "{\"cniVersion\":\"1.0.0\",\"pad\":\"" + new string('x', 1 << 20) + "\"}";

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "VERSION" }, large);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(run.StdinBrokenPipe, "the plugin exited before reading its stdin");
    }

    [Fact]
    public async Task Version_answers_as_kube_ovn_too()
    {
        var run = await CniExec.RunAsync(binary.KubeOvnPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "VERSION" }, """{"cniVersion":"0.3.1"}""");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("0.3.1", run.Json["supportedVersions"]!.AsArray().Select(v => (string)v!));
    }
}
