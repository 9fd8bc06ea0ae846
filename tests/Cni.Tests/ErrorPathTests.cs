using System.Net.Sockets;
using System.Text;
using VmNet.Cni.Tests.Infrastructure;

namespace VmNet.Cni.Tests;

/// <summary>Every failure ends with CNI error JSON on stdout, the right code, a message naming the cause, exit 1.</summary>
[Collection(CniBinaryCollection.Name)]
public class ErrorPathTests(CniBinaryFixture binary)
{
    [Fact]
    public async Task Add_without_netns_is_code_4_naming_CNI_NETNS()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD", netns: null), NetConfJson.Text("0.3.1", daemon.SocketPath));

        AssertError(run, 4, "required environment variable CNI_NETNS missing for ADD", "0.3.1");
        Assert.Empty(daemon.Calls);
    }

    [Fact]
    public async Task Add_without_pod_name_in_cni_args_is_code_4()
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD", args: "K8S_POD_NAMESPACE=default"), NetConfJson.Text("1.0.0", "/tmp/none.sock"));

        AssertError(run, 4, "CNI_ARGS has no K8S_POD_NAME (CNI_ARGS=\"K8S_POD_NAMESPACE=default\")", "1.0.0");
    }

    [Theory]
    [InlineData(null, "required environment variable CNI_COMMAND is missing")]
    [InlineData("SETUP", "CNI_COMMAND \"SETUP\" is not one of ADD, DEL, CHECK, STATUS, GC, VERSION")]
    public async Task Bad_command_is_code_4(string? command, string message)
    {
        var env = CniExec.Env("ADD");
        env["CNI_COMMAND"] = command;

        var run = await CniExec.RunAsync(binary.BinaryPath, env, NetConfJson.Text("1.0.0", "/tmp/none.sock"));

        AssertError(run, 4, message);
    }

    [Fact]
    public async Task Malformed_stdin_is_code_6_with_the_json_position()
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), "{\n  \"cniVersion\": \"1.0.0\",\n  \"name\": \"x\" \"type\": \"vmnet\"\n}");

        AssertError(run, 6, "failed to decode network configuration on stdin at line 3, byte 15");
    }

    [Fact]
    public async Task Empty_stdin_is_code_6()
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), "");

        AssertError(run, 6, "network configuration on stdin is empty");
    }

    [Theory]
    [InlineData("0.2.0")]
    [InlineData("2.0.0")]
    public async Task Unknown_version_is_code_1_listing_the_supported_ones(string version)
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text(version, "/tmp/none.sock"));

        AssertError(run, 1, $"cniVersion \"{version}\" is not supported; supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0", CniVersions.Current);
    }

    [Fact]
    public async Task Unknown_type_is_code_7()
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", "/tmp/none.sock", type: "ovn-k8s-cni-overlay"));

        AssertError(run, 7, "type \"ovn-k8s-cni-overlay\" is not served by this plugin", "1.0.0");
    }

    [Fact]
    public async Task Missing_daemon_socket_is_code_11_naming_path_and_errno()
    {
        var socket = Path.Combine(TempDir.Create(), "daemon.sock");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("0.3.1", socket));

        AssertError(run, 11, $"vmnet daemon not reachable at {socket}: ENOENT (no such socket file)", "0.3.1");
    }

    [Fact]
    public async Task Dead_daemon_socket_is_code_11_connection_refused()
    {
        var socket = Path.Combine(TempDir.Create(), "daemon.sock");
        // Bound but not listening: like the socket file a crashed daemon leaves behind.
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(socket));

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL"), NetConfJson.Text("1.0.0", socket));

        AssertError(run, 11, $"vmnet daemon not reachable at {socket}: ECONNREFUSED");
    }

    [Fact]
    public async Task Default_socket_is_used_when_the_netconf_names_none()
    {
        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", socket: null));

        // Nothing listens on /run/vmnet/daemon.sock in the test environment.
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"vmnet daemon not reachable at {DaemonProtocol.DefaultSocketPath}: ", run.Msg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kube_ovn_socket_path_falls_back_to_the_vmnet_socket()
    {
        if (File.Exists(DaemonProtocol.KubeOvnSocketPath) || File.Exists(DaemonProtocol.DefaultSocketPath))
        {
            return; // A real daemon on this host: the message below depends on it.
        }

        var run = await CniExec.RunAsync(binary.KubeOvnPath, CniExec.Env("ADD"), NetConfJson.Text("0.3.1", DaemonProtocol.KubeOvnSocketPath, type: "kube-ovn"));

        AssertError(
            run,
            11,
            "vmnet daemon not reachable at /run/openvswitch/kube-ovn-daemon.sock: ENOENT (no such socket file), nor at /run/vmnet/daemon.sock: ENOENT (no such socket file)");
    }

    [Fact]
    public async Task Invalid_result_from_the_daemon_is_code_100()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Result(new CniResult { Ips = [new CniIpConfig { Address = "10.16.0.5", Interface = 0 }] });

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        AssertError(run, 100, "returned an invalid ADD result: result.ips[0].address \"10.16.0.5\" is not an address in CIDR notation");
    }

    [Fact]
    public async Task Del_with_a_broken_prev_result_still_reaches_the_daemon()
    {
        await using var daemon = FakeDaemon.Start();
        var conf = NetConfJson.Of("1.0.0", daemon.SocketPath);
        conf["prevResult"] = System.Text.Json.Nodes.JsonNode.Parse("""{"ips":[{"address":"garbage"}]}""");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("DEL"), conf.ToJsonString());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(Assert.Single(daemon.Calls).Request.PrevResult);
    }

    [Fact]
    public async Task Daemon_error_code_message_and_details_are_passed_through()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Error(400, CniErrorCodes.ProviderNotBound, "provider attach1.default.ovn is not bound to any subnet", "add a Subnet with spec.provider attach1.default.ovn");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("0.3.1", daemon.SocketPath));

        AssertError(run, 110, "provider attach1.default.ovn is not bound to any subnet", "0.3.1");
        Assert.Equal("add a Subnet with spec.provider attach1.default.ovn", (string?)run.Json["details"]);
    }

    [Fact]
    public async Task Daemon_try_again_later_is_passed_through()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Error(503, CniErrorCodes.TryAgainLater, "no address allocated to pod default/vm1 yet");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        AssertError(run, 11, "no address allocated to pod default/vm1 yet");
    }

    [Fact]
    public async Task Hanging_daemon_is_code_101_after_the_configured_timeout()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Ok() with { Delay = TimeSpan.FromSeconds(20) };
        var conf = NetConfJson.Of("1.0.0", daemon.SocketPath);
        conf["daemon_timeout_seconds"] = 0.5;

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), conf.ToJsonString(), TimeSpan.FromSeconds(10));

        AssertError(run, 101, $"vmnet daemon at {daemon.SocketPath} did not answer POST /api/v1/add within 0.5 s");
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.45), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Hanging_daemon_on_status_is_code_50()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Ok() with { Delay = TimeSpan.FromSeconds(20) };
        var conf = NetConfJson.Of("1.1.0", daemon.SocketPath);
        conf["daemon_timeout_seconds"] = 0.3;

        var run = await CniExec.RunAsync(binary.BinaryPath, new Dictionary<string, string?> { ["CNI_COMMAND"] = "STATUS" }, conf.ToJsonString(), TimeSpan.FromSeconds(10));

        AssertError(run, 50, "did not answer POST /api/v1/status within 0.3 s");
    }

    [Fact]
    public async Task Non_http_answer_is_code_100()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => new FakeReply(200, Raw: Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2\r\n\r\n"));

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        AssertError(run, 100, "answered POST /api/v1/add with malformed HTTP: malformed status line \"SSH-2.0-OpenSSH_9.2\"");
    }

    [Fact]
    public async Task Error_status_without_error_body_is_code_100()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => new FakeReply(500, "<html>Internal Server Error</html>");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        AssertError(run, 100, "(HTTP 500) with a body that is not a daemon response");
        Assert.Equal("<html>Internal Server Error</html>", (string?)run.Json["details"]);
    }

    [Fact]
    public async Task Add_success_without_result_is_code_100()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Ok("{}");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        AssertError(run, 100, "answered POST /api/v1/add with HTTP 200 but no \"result\"");
    }

    [Fact]
    public async Task Daemon_closing_without_answer_is_code_11()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => new FakeReply(200, Raw: []);

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        AssertError(run, 11, "failed during POST /api/v1/add: the daemon closed the connection without answering");
    }

    [Fact]
    public async Task Bad_prev_result_is_rejected_before_calling_the_daemon()
    {
        await using var daemon = FakeDaemon.Start();
        var conf = NetConfJson.Of("1.0.0", daemon.SocketPath);
        conf["prevResult"] = System.Text.Json.Nodes.JsonNode.Parse("""{"cniVersion":"1.0.0","ips":[{"address":"10.1.1.1/24","interface":3}]}""");

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), conf.ToJsonString());

        AssertError(run, 7, "prevResult.ips[0].interface 3 is out of range");
        Assert.Empty(daemon.Calls);
    }

    private static void AssertError(CniRun run, int code, string message, string? cniVersion = null)
    {
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.True(code == run.ErrorCode, run.ToString());
        Assert.Contains(message, run.Msg, StringComparison.Ordinal);
        if (cniVersion is not null)
        {
            Assert.Equal(cniVersion, (string?)run.Json["cniVersion"]);
        }
    }
}
