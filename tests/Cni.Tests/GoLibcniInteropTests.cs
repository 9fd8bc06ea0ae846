using System.Text.Json.Nodes;
using VmNet.Cni.Tests.Infrastructure;

namespace VmNet.Cni.Tests;

/// <summary>
/// Our results must read as the reference implementation reads them. Debian's `portmap` plugin
/// (libcni, containernetworking-plugins 1.1.1) parses a prevResult with libcni's per-version types
/// and, with no port mappings requested, prints it back: any field it does not know or cannot
/// parse would be lost or rejected, so the round trip must be the identity.
/// </summary>
[Collection(CniBinaryCollection.Name)]
public class GoLibcniInteropTests(CniBinaryFixture binary)
{
    private const string Portmap = "/usr/lib/cni/portmap";

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public async Task Libcni_reads_our_result_back_unchanged(string version)
    {
        Assert.True(File.Exists(Portmap), $"{Portmap} missing: install containernetworking-plugins");
        await using var daemon = FakeDaemon.Start();
        var ours = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text(version, daemon.SocketPath));
        Assert.True(ours.ExitCode == 0, ours.ToString());

        var chained = new JsonObject
        {
            ["cniVersion"] = version,
            ["name"] = "kube-ovn",
            ["type"] = "portmap",
            ["capabilities"] = new JsonObject { ["portMappings"] = true },
            ["prevResult"] = ours.Json.DeepClone(),
        };
        var env = CniExec.Env("ADD");
        env["CNI_PATH"] = "/usr/lib/cni";
        var go = await CniExec.RunAsync(Portmap, env, chained.ToJsonString());

        Assert.True(go.ExitCode == 0, go.ToString());
        Assert.True(JsonNode.DeepEquals(ours.Json, go.Json), $"ours: {ours.Stdout}\nlibcni: {go.Stdout}");
    }
}
