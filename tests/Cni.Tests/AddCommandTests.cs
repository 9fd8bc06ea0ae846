using System.Text.Json.Nodes;
using VmNet.Cni.Tests.Infrastructure;

namespace VmNet.Cni.Tests;

[Collection(CniBinaryCollection.Name)]
public class AddCommandTests(CniBinaryFixture binary)
{
    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public async Task Add_prints_the_daemon_result_in_the_requested_version(string version)
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text(version, daemon.SocketPath));

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Json;
        Assert.Equal(version, (string?)result["cniVersion"]);
        var iface = result["interfaces"]![0]!;
        Assert.Equal(("eth0", "00:00:00:3c:9e:12", "/var/run/netns/cni-test"), ((string?)iface["name"], (string?)iface["mac"], (string?)iface["sandbox"]));
        var ips = result["ips"]!.AsArray();
        Assert.Equal(["10.16.0.5/16", "fd00:10:16::5/64"], ips.Select(ip => (string)ip!["address"]!));
        Assert.All(ips, ip => Assert.Equal(0, (int)ip!["interface"]!));
        Assert.Equal("10.16.0.1", (string?)ips[0]!["gateway"]);
        Assert.Equal(["10.96.0.10"], result["dns"]!["nameservers"]!.AsArray().Select(n => (string)n!));

        var preOne = version.StartsWith("0.", StringComparison.Ordinal);
        Assert.Equal(preOne ? ["4", "6"] : [null, null], ips.Select(ip => (string?)ip!["version"]));
        Assert.Equal(version == "1.1.0" ? 1400 : null, (int?)iface["mtu"]);
        Assert.Equal(version == "1.1.0" ? 1024 : null, (int?)result["routes"]![1]!["priority"]);
    }

    [Fact]
    public async Task Add_posts_the_kubelet_context_to_the_daemon()
    {
        await using var daemon = FakeDaemon.Start();
        var conf = NetConfJson.Of("0.3.1", daemon.SocketPath, "kube-ovn");
        conf["provider"] = "attach1.default.ovn";
        conf["mtu"] = 1400;
        conf["runtimeConfig"] = new JsonObject { ["mac"] = "0a:58:0a:10:00:05", ["portMappings"] = new JsonArray() };

        var run = await CniExec.RunAsync(binary.KubeOvnPath, CniExec.Env("ADD"), conf.ToJsonString());

        Assert.True(run.ExitCode == 0, run.ToString());
        var call = Assert.Single(daemon.Calls);
        Assert.Equal("POST /api/v1/add HTTP/1.1", call.RequestLine);
        Assert.Equal("application/json", call.Headers["Content-Type"]);
        var request = call.Request;
        Assert.Equal(("0.3.1", "kube-ovn", "kube-ovn", false), (request.CniVersion, request.CniType, request.NetworkName, request.IpamOnly));
        Assert.Equal(("4f0c2e0123456789abcdef", "/var/run/netns/cni-test", "eth0"), (request.ContainerId, request.NetNs, request.IfName));
        Assert.Equal(("virt-launcher-vm1-x2x9q", "default", "0b6e4c3a-11", "4f0c2e"), (request.PodName, request.PodNamespace, request.PodUid, request.InfraContainerId));
        Assert.Equal(("attach1.default.ovn", 1400, "0a:58:0a:10:00:05"), (request.Provider, request.Mtu, request.Mac));
        Assert.True(request.RuntimeConfig!.ContainsKey("portMappings"));
    }

    [Fact]
    public async Task Ipam_only_use_goes_to_the_ipam_socket_and_returns_addresses_only()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = _ => FakeReply.Result(new CniResult { Ips = [new CniIpConfig { Address = "172.18.0.9/24", Gateway = "172.18.0.1" }] });
        var conf = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "macvlan1",
            ["type"] = "macvlan",
            ["master"] = "eth1",
            ["ipam"] = new JsonObject { ["type"] = "kube-ovn", ["server_socket"] = daemon.SocketPath, ["provider"] = "macvlan1.default" },
        };

        var run = await CniExec.RunAsync(binary.KubeOvnPath, CniExec.Env("ADD"), conf.ToJsonString());

        Assert.True(run.ExitCode == 0, run.ToString());
        var request = Assert.Single(daemon.Calls).Request;
        Assert.True(request.IpamOnly);
        Assert.Equal(("macvlan1.default", "macvlan"), (request.Provider, request.CniType));
        Assert.Null(run.Json["interfaces"]);
        Assert.Null(run.Json["ips"]![0]!["interface"]);
        Assert.Equal("172.18.0.9/24", (string?)run.Json["ips"]![0]!["address"]);
    }

    [Fact]
    public async Task Chained_add_merges_behind_prev_result()
    {
        await using var daemon = FakeDaemon.Start();
        var conf = NetConfJson.Of("0.4.0", daemon.SocketPath);
        conf["prevResult"] = JsonNode.Parse("""
            {"cniVersion":"0.4.0","interfaces":[{"name":"net1","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/var/run/netns/cni-test"}],
             "ips":[{"version":"4","address":"192.168.7.3/24","interface":0}],"routes":[{"dst":"192.168.0.0/16"}]}
            """);

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), conf.ToJsonString());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["net1", "eth0"], run.Json["interfaces"]!.AsArray().Select(i => (string)i!["name"]!));
        Assert.Equal([0, 1, 1], run.Json["ips"]!.AsArray().Select(i => (int)i!["interface"]!));
        Assert.Equal(["4", "4", "6"], run.Json["ips"]!.AsArray().Select(i => (string)i!["version"]!));
        Assert.Equal("192.168.0.0/16", (string?)run.Json["routes"]![0]!["dst"]);
        Assert.Equal("192.168.7.3/24", Assert.Single(daemon.Calls).Request.PrevResult!.Ips![0].Address);
    }

    [Theory]
    [InlineData(Framing.Chunked, false)]
    [InlineData(Framing.CloseDelimited, false)]
    [InlineData(Framing.ContentLength, true)]
    [InlineData(Framing.Chunked, true)]
    [InlineData(Framing.CloseDelimited, true)]
    public async Task Add_reads_every_framing_even_in_small_pieces(Framing framing, bool trickle)
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Responder = call => FakeReply.Result(FakeDaemon.DefaultResult(call.Request)) with { Framing = framing, Trickle = trickle };

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.0.0", daemon.SocketPath));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("10.16.0.5/16", (string?)run.Json["ips"]![0]!["address"]);
    }

    [Fact]
    public async Task Add_works_against_a_kestrel_server()
    {
        await using var daemon = await KestrelDaemon.StartAsync();

        var run = await CniExec.RunAsync(binary.BinaryPath, CniExec.Env("ADD"), NetConfJson.Text("1.1.0", daemon.SocketPath));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("10.16.0.5/16", (string?)run.Json["ips"]![0]!["address"]);
        Assert.Equal("virt-launcher-vm1-x2x9q", Assert.Single(daemon.Requests).PodName);
    }
}
