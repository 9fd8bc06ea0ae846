using System.Text.Json.Nodes;
using VmNet.Cni.Tests.Infrastructure;

namespace VmNet.Cni.Tests;

[Collection(CniBinaryCollection.Name)]
public class DelCheckStatusGcTests(CniBinaryFixture binary)
{
    [Theory]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public async Task Del_succeeds_silently(string version)
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL"), NetConfJson.Text(version, daemon.SocketPath));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stdout);
        var call = Assert.Single(daemon.Calls);
        Assert.Equal(DaemonProtocol.DelPath, call.Path);
        Assert.Equal("eth0", call.Request.IfName);
    }

    [Fact]
    public async Task Del_without_netns_or_pod_args_is_forwarded()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => new FakeReply(204);

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL", netns: null, args: null), NetConfJson.Text("1.0.0", daemon.SocketPath));

        Assert.True(run.ExitCode == 0, run.ToString());
        var request = Assert.Single(daemon.Calls).Request;
        Assert.Equal(("", "", "4f0c2e0123456789abcdef"), (request.NetNs, request.PodName, request.ContainerId));
    }

    [Theory]
    [InlineData(CniErrorCodes.UnknownContainer)]
    [InlineData(CniErrorCodes.PodNotFound)]
    public async Task Del_of_something_already_gone_succeeds(int code)
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Error(404, code, "no such attachment");

        var first = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL"), NetConfJson.Text("1.0.0", daemon.SocketPath));
        var second = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first + "\n" + second);
        Assert.Empty(first.Stdout + second.Stdout);
    }

    [Fact]
    public async Task Del_failure_in_the_daemon_is_reported()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Error(500, CniErrorCodes.InterfaceSetupFailed, "ovs-vsctl del-port br-int 4f0c2e012345_h failed", "exit status 1");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal((113, "ovs-vsctl del-port br-int 4f0c2e012345_h failed", "exit status 1"), (run.ErrorCode, run.Msg, (string?)run.Json["details"]));
    }

    [Theory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public async Task Check_forwards_prev_result_and_prints_nothing(string version)
    {
        await using var daemon = FakeDaemon.Start();
        var conf = NetConfJson.Of(version, daemon.SocketPath);
        conf["prevResult"] = JsonNode.Parse($$"""{"cniVersion":"{{version}}","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/cni-test"}],"ips":[{"address":"10.16.0.5/16","interface":0}]}""");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("CHECK"), conf.ToJsonString());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stdout);
        var call = Assert.Single(daemon.Calls);
        Assert.Equal(DaemonProtocol.CheckPath, call.Path);
        Assert.Equal("10.16.0.5/16", call.Request.PrevResult!.Ips![0].Address);
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    public async Task Check_before_0_4_0_is_code_1_without_calling_the_daemon(string version)
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("CHECK"), NetConfJson.Text(version, daemon.SocketPath));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(CniErrorCodes.IncompatibleVersion, run.ErrorCode);
        Assert.Contains($"cniVersion \"{version}\" does not allow CHECK", run.Msg, StringComparison.Ordinal);
        Assert.Equal(version, (string?)run.Json["cniVersion"]);
        Assert.Empty(daemon.Calls);
    }

    [Fact]
    public async Task Check_failure_is_passed_through()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Error(400, CniErrorCodes.UnknownContainer, "no port for container 4f0c2e0123456789abcdef");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("CHECK"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        Assert.Equal((1, 3), (run.ExitCode, run.ErrorCode));
        Assert.Equal("no port for container 4f0c2e0123456789abcdef", run.Msg);
    }

    [Fact]
    public async Task Status_is_silent_success_when_the_daemon_is_ready()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "STATUS" }, NetConfJson.Text("1.1.0", daemon.SocketPath));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stdout);
        Assert.Equal(DaemonProtocol.StatusPath, Assert.Single(daemon.Calls).Path);
    }

    [Fact]
    public async Task Status_without_a_daemon_is_code_50()
    {
        var socket = Path.Combine(TempDir.Create(), "daemon.sock");

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "STATUS" }, NetConfJson.Text("1.1.0", socket));

        Assert.Equal((1, CniErrorCodes.PluginNotAvailable), (run.ExitCode, run.ErrorCode));
        Assert.Equal($"vmnet daemon not reachable at {socket}: ENOENT (no such socket file)", run.Msg);
    }

    [Fact]
    public async Task Status_passes_limited_connectivity_through()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Error(503, CniErrorCodes.LimitedConnectivity, "ovn-controller not connected to the southbound DB");

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "STATUS" }, NetConfJson.Text("1.1.0", daemon.SocketPath));

        Assert.Equal((1, 51), (run.ExitCode, run.ErrorCode));
        Assert.Equal("ovn-controller not connected to the southbound DB", run.Msg);
    }

    [Theory]
    [InlineData("STATUS", "1.0.0")]
    [InlineData("GC", "1.0.0")]
    [InlineData("STATUS", "0.4.0")]
    public async Task Status_and_gc_before_1_1_0_are_code_1(string command, string version)
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = command }, NetConfJson.Text(version, daemon.SocketPath));

        Assert.Equal((1, CniErrorCodes.IncompatibleVersion), (run.ExitCode, run.ErrorCode));
        Assert.Contains($"does not allow {command} (needs 1.1.0 or later)", run.Msg, StringComparison.Ordinal);
        Assert.Empty(daemon.Calls);
    }

    [Fact]
    public async Task Gc_forwards_the_valid_attachments()
    {
        await using var daemon = FakeDaemon.Start();
        var conf = NetConfJson.Of("1.1.0", daemon.SocketPath);
        conf["cni.dev/valid-attachments"] = JsonNode.Parse("""[{"containerID":"c1","ifname":"eth0"},{"containerID":"c2","ifname":"net1"}]""");

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = "/opt/cni/bin" }, conf.ToJsonString());

        Assert.True(run.ExitCode == 0, run.ToString());
        var call = Assert.Single(daemon.Calls);
        Assert.Equal(DaemonProtocol.GcPath, call.Path);
        Assert.Equal(["c1/eth0", "c2/net1"], call.Request.ValidAttachments!.Select(a => $"{a.ContainerId}/{a.IfName}"));
    }
}
