using System.Text.Json;
using VmNet.E2E.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>
/// Pods plugged by our daemon through the published CNI binary on the real two-node OVN/OVS rig:
/// cross-node traffic, gateway, full MTU, TCP throughput, ovn-trace, CHECK and a clean DEL.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class DaemonDataPathTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task PodsOnTwoNodesTalkThroughDaemonPluggedPorts()
    {
        var a = await CniPod.NewAsync(fixture, fixture.Node1, "dp");
        var b = await CniPod.NewAsync(fixture, fixture.Node2, "dp");
        await a.PlayControllerAsync(fixture);
        await b.PlayControllerAsync(fixture);

        var addA = await a.AddAsync(fixture);
        Assert.True(addA.ExitCode == 0, addA.Stdout + addA.Stderr);
        var addB = await b.AddAsync(fixture);
        Assert.True(addB.ExitCode == 0, addB.Stdout + addB.Stderr);

        using var result = JsonDocument.Parse(addA.Stdout);
        Assert.Equal("1.0.0", result.RootElement.GetProperty("cniVersion").GetString());
        var iface = result.RootElement.GetProperty("interfaces")[0];
        Assert.Equal("eth0", iface.GetProperty("name").GetString());
        Assert.Equal(a.Mac, iface.GetProperty("mac").GetString());
        Assert.Equal(a.Ip + "/16", result.RootElement.GetProperty("ips")[0].GetProperty("address").GetString());
        Assert.Equal(KubeOvnTopology.Gateway, result.RootElement.GetProperty("routes")[0].GetProperty("gw").GetString());

        // The pod side as the kernel sees it: MTU per facts §10 (1500 - 100 geneve), TX checksum offload off.
        var link = (await a.ExecAsync("ip", "-j", "link", "show", "eth0")).Stdout;
        Assert.Contains("\"mtu\":1400", link, StringComparison.Ordinal);
        Assert.Contains(a.Mac, link, StringComparison.Ordinal);
        Assert.Contains("tx-checksumming: off", (await a.ExecAsync("ethtool", "-k", "eth0")).Stdout, StringComparison.Ordinal);
        async Task<string> ExternalId(string key) =>
            (await a.Node.VsctlAsync(["--if-exists", "get", "Interface", a.HostVeth, "external_ids:" + key])).Stdout.Trim().Trim('"');
        Assert.Equal(a.PortName, await ExternalId("iface-id"));
        Assert.Equal("vmnet", await ExternalId("vendor"));
        Assert.Equal("true", await ExternalId("ovn-installed"));
        Assert.Equal(a.Name, await ExternalId("pod_name"));
        Assert.Equal("default", await ExternalId("pod_namespace"));
        Assert.Equal(a.Ip, await ExternalId("ip"));

        var ping = await a.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", b.Ip);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr);
        var gateway = await b.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", KubeOvnTopology.Gateway);
        Assert.True(gateway.Succeeded, gateway.Stdout + gateway.Stderr);

        // Full-MTU packet with DF: 1400 - 20 IP - 8 ICMP.
        var df = await a.ExecAsync("ping", "-c", "2", "-M", "do", "-s", "1372", "-W", "2", b.Ip);
        Assert.True(df.Succeeded, df.Stdout + df.Stderr);
        var tooBig = await a.ExecAsync("ping", "-c", "1", "-M", "do", "-s", "1373", "-W", "1", b.Ip);
        Assert.False(tooBig.Succeeded);

        // Bounded TCP run across the tunnel.
        var server = await b.ExecAsync("iperf3", "-s", "-D", "-1");
        Assert.True(server.Succeeded, server.Stderr);
        await Task.Delay(300);
        var iperf = await a.ExecAsync("iperf3", "-c", b.Ip, "-t", "2", "-J");
        Assert.True(iperf.Succeeded, iperf.Stdout + iperf.Stderr);
        using (var json = JsonDocument.Parse(iperf.Stdout))
        {
            var bps = json.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
            Assert.True(bps > 10e6, $"TCP across the tunnel only {bps / 1e6:F1} Mbit/s");
        }

        // ovn-trace agrees that a's packet to b is delivered to b's port.
        var trace = await fixture.Central.TraceAsync(
        [
            "--minimal", KubeOvnTopology.Switch,
            $"inport==\"{a.PortName}\" && eth.src=={a.Mac} && eth.dst=={b.Mac} && ip4.src=={a.Ip} && ip4.dst=={b.Ip} && ip.ttl==64",
        ]);
        Assert.Contains($"output(\"{b.PortName}\")", trace.Stdout, StringComparison.Ordinal);

        var check = await a.CheckAsync(fixture);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);

        // DEL: no veth, no OVS port, no binding left; a second DEL still succeeds.
        var del = await a.DelAsync(fixture);
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        Assert.False((await a.Node.ExecAsync("ip", ["link", "show", a.HostVeth])).Succeeded);
        Assert.False((await a.ExecAsync("ip", "link", "show", "eth0")).Succeeded);
        Assert.DoesNotContain(a.HostVeth, (await a.Node.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);
        await fixture.Rig.SyncHypervisorsAsync();
        var binding = await fixture.Central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + a.PortName]);
        Assert.Equal("", binding.Stdout.Trim());
        var again = await a.DelAsync(fixture);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        var checkGone = await a.CheckAsync(fixture);
        Assert.NotEqual(0, checkGone.ExitCode);
        await b.DelAsync(fixture);
    }

    [Fact]
    public async Task VmPodIsBoundToTheVmNamedPort()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node2, "virt-launcher");
        var vmName = "vm-" + fixture.Rig.RunId.Value;
        var vmPort = vmName + ".default";
        await KubeOvnTopology.AddPortAsync(fixture.Central, vmPort, pod.Mac, pod.Ip);
        var annotations = pod.ControllerAnnotations();
        annotations["ovn.kubernetes.io/virtualmachine"] = vmName;
        await fixture.CreatePodAsync(pod.Name, pod.Node, annotations);

        var add = await pod.AddAsync(fixture);
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        Assert.Equal(vmPort, (await pod.Node.VsctlAsync(["get", "Interface", pod.HostVeth, "external_ids:iface-id"])).Stdout.Trim().Trim('"'));
        await fixture.Rig.WaitPortUpAsync(vmPort);
        var check = await pod.CheckAsync(fixture);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Equal(0, (await pod.DelAsync(fixture)).ExitCode);
    }
}
