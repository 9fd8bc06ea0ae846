using System.Net;
using System.Text;
using System.Text.Json;
using VmNet.Daemon.Hosting;
using VmNet.Daemon.Tests.Netlink;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Tests.Hosting;

/// <summary>
/// The daemon against a fresh node's OVS database (no br-int yet) and an in-process API server: node
/// setup as ovs-vsctl sees it, the socket's mode, and protocol answers over the unix socket.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DaemonHostTests(VswitchOvsdbFixture ovsdb) : IClassFixture<VswitchOvsdbFixture>
{
    [Fact]
    public async Task StartSetsUpTheNodeAndServesTheProtocol()
    {
        var ct = TestDeadline.Token;
        await using var bed = await DaemonHostTestBed.StartAsync(ovsdb, ct);
        var kube = bed.Kube;
        var nodeName = bed.NodeName;
        await kube.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = nodeName } }, ct);
        var options = bed.Options("vxlan", "192.0.2.10");
        var socket = options.SocketPath;
        await using var daemon = await DaemonHost.StartAsync(options, kube, Serilog.Core.Logger.None, ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        Assert.Equal("br-int", (await ovsdb.VsctlAsync("list-br")).Stdout.Trim());
        Assert.Equal("secure", (await ovsdb.VsctlAsync("get", "Bridge", "br-int", "fail_mode")).Stdout.Trim());
        Assert.Equal("netdev", (await ovsdb.VsctlAsync("get", "Bridge", "br-int", "datapath_type")).Stdout.Trim());
        Assert.Equal("internal", (await ovsdb.VsctlAsync("get", "Interface", "br-int", "type")).Stdout.Trim());
        async Task<string> Id(string key) => (await ovsdb.VsctlAsync("get", "Open_vSwitch", ".", "external_ids:" + key)).Stdout.Trim().Trim('"');
        Assert.Equal(nodeName, await Id("system-id"));
        Assert.Equal(nodeName, await Id("hostname"));
        Assert.Equal(bed.SouthboundRemote, await Id("ovn-remote"));
        Assert.Equal("vxlan", await Id("ovn-encap-type"));
        Assert.Equal("192.0.2.10", await Id("ovn-encap-ip"));
        Assert.Equal("netdev", await Id("ovn-bridge-datapath-type"));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await kube.GetAsync<V1Node>(null, nodeName, ct)).Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/chassis") != nodeName)
        {
            Assert.True(DateTime.UtcNow < deadline, "node not annotated with its chassis");
            await Task.Delay(100, ct);
        }

        using var http = DaemonHostTestBed.UnixHttp(socket);
        var malformed = await http.PostAsync("http://vmnet-daemon/api/v1/add", new StringContent("{\"container_id\": ", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        using (var body = JsonDocument.Parse(await malformed.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal(6, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        }

        var noPod = await http.PostAsync("http://vmnet-daemon/api/v1/add", DaemonHostTestBed.Json("""{"cni_version":"1.0.0","container_id":"abc0123456789","net_ns":"/var/run/netns/none","if_name":"eth0","pod_name":"ghost","pod_namespace":"default","provider":"ovn"}"""), ct);
        using (var body = JsonDocument.Parse(await noPod.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal(112, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("default/ghost", body.RootElement.GetProperty("error").GetProperty("msg").GetString(), StringComparison.Ordinal);
        }

        var del = await http.PostAsync("http://vmnet-daemon/api/v1/del", DaemonHostTestBed.Json("""{"cni_version":"1.0.0","container_id":"abc0123456789","if_name":"eth0"}"""), ct);
        Assert.Equal(HttpStatusCode.OK, del.StatusCode);
        // No Southbound DB behind ovn-remote: not ready, and STATUS says why (the daemon itself keeps serving).
        var status = await http.PostAsync("http://vmnet-daemon/api/v1/status", DaemonHostTestBed.Json("""{"cni_version":"1.1.0"}"""), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status.StatusCode);
        using (var body = JsonDocument.Parse(await status.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal(50, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("Southbound", body.RootElement.GetProperty("error").GetProperty("msg").GetString(), StringComparison.Ordinal);
        }

        await daemon.StopAsync(ct);
        Assert.False(File.Exists(socket));
    }
}
