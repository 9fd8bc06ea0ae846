using System.Globalization;
using System.Text.Json;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>Cross-node traffic, gateway, full MTU, TCP, ovn-trace, CHECK, DEL and the controller's clean-up.</summary>
public sealed partial class StackTests
{
    [Fact]
    public async Task PodsOnTwoNodesTalkAndLeaveNothingBehind()
    {
        var a = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "dp" });
        var b = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node2) { Label = "dp" });
        var addA = await Kubelet.AddAsync(a);
        StackAssert.Succeeded(addA, Stack);
        // b goes through the daemon's second socket, standing in for Kube-OVN's /run/openvswitch/kube-ovn-daemon.sock.
        var addB = await Kubelet.AddAsync(b, CniPlugin.NetConf(Stack.Daemon(b.Node).KubeOvnSocketPath));
        StackAssert.Succeeded(addB, Stack);

        // The result is what the controller allocated.
        var ipA = await StackAssert.AnnotationAsync(Stack, a, "ovn.kubernetes.io/ip_address");
        var macA = await StackAssert.AnnotationAsync(Stack, a, "ovn.kubernetes.io/mac_address");
        var ipB = await StackAssert.AnnotationAsync(Stack, b, "ovn.kubernetes.io/ip_address");
        var macB = await StackAssert.AnnotationAsync(Stack, b, "ovn.kubernetes.io/mac_address");
        Assert.Equal(VmNetStack.DefaultSubnet, await StackAssert.AnnotationAsync(Stack, a, "ovn.kubernetes.io/logical_switch"));
        using (var result = JsonDocument.Parse(addA.Stdout))
        {
            Assert.Equal("1.0.0", result.RootElement.GetProperty("cniVersion").GetString());
            var iface = result.RootElement.GetProperty("interfaces")[0];
            Assert.Equal("eth0", iface.GetProperty("name").GetString());
            Assert.Equal(macA, iface.GetProperty("mac").GetString());
            Assert.Equal(ipA + "/16", addA.FirstAddress);
            Assert.Equal(VmNetStack.DefaultGateway, result.RootElement.GetProperty("routes")[0].GetProperty("gw").GetString());
        }

        // Pod side: MTU = node MTU 1500 - Geneve 100 (facts §10), the controller's MAC, TX checksum offload off where it counts.
        var link = (await a.ExecAsync("ip", "-j", "link", "show", "eth0")).Stdout;
        Assert.Contains("\"mtu\":1400", link, StringComparison.Ordinal);
        Assert.Contains(macA, link, StringComparison.Ordinal);
        var hostA = await StackAssert.HostInterfaceAsync(a);
        await StackAssert.TxChecksumOffAsync(a, hostA);
        var hostB = await StackAssert.HostInterfaceAsync(b);
        Assert.Equal(a.PortName, (await a.Node.VsctlAsync(["get", "Interface", hostA, "external_ids:iface-id"])).Stdout.Trim().Trim('"'));

        var ping = await a.PingAsync(ipB);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr + "\n" + Stack.Diagnostics());
        var gateway = await b.PingAsync(VmNetStack.DefaultGateway, 2);
        Assert.True(gateway.Succeeded, gateway.Stdout + gateway.Stderr);

        // A full-MTU packet with DF set crosses the tunnel (1400 - 20 IP - 8 ICMP); one byte more does not fit.
        var full = await a.PingAsync(ipB, 2, "-M", "do", "-s", "1372");
        Assert.True(full.Succeeded, full.Stdout + full.Stderr);
        var tooBig = await a.ExecAsync("ping", "-c", "1", "-M", "do", "-s", "1373", "-W", "1", ipB);
        Assert.False(tooBig.Succeeded, tooBig.Stdout);

        var bps = await IperfAsync(b, a, ipB, seconds: 2, reverse: false);
        if (bps == 0)
        {
            bps = await IperfAsync(b, a, ipB, seconds: 2, reverse: false);
        }

        Assert.True(bps > 10e6, $"TCP across the tunnel only {bps / 1e6:F1} Mbit/s");

        // ovn-trace agrees with what the packets did: a -> b is delivered to b's port, a -> gateway is answered by the router.
        var toB = await Stack.Rig.Central.TraceAsync(
        [
            "--minimal", VmNetStack.DefaultSubnet,
            $"inport==\"{a.PortName}\" && eth.src=={macA} && eth.dst=={macB} && ip4.src=={ipA} && ip4.dst=={ipB} && ip.ttl==64 && icmp4.type==8",
        ]);
        Assert.Contains($"output(\"{b.PortName}\")", toB.Stdout, StringComparison.Ordinal);
        var routerMac = await RouterPortMacAsync();
        var toGateway = await Stack.Rig.Central.TraceAsync(
        [
            VmNetStack.DefaultSubnet,
            $"inport==\"{a.PortName}\" && eth.src=={macA} && eth.dst=={routerMac} && ip4.src=={ipA} && ip4.dst=={VmNetStack.DefaultGateway} && ip.ttl==64 && icmp4.type==8",
        ]);
        Assert.Contains("icmp4.type = 0;", toGateway.Stdout, StringComparison.Ordinal);
        Assert.Contains($"/* output to \"{a.PortName}\"", toGateway.Stdout, StringComparison.Ordinal);

        StackAssert.Succeeded(await Kubelet.CheckAsync(a), Stack);

        // DEL: no veth, no OVS port; a second DEL succeeds; CHECK now fails.
        StackAssert.Succeeded(await Kubelet.DelAsync(a), Stack);
        await StackAssert.NothingLeftAsync(a, hostA);
        StackAssert.Succeeded(await Kubelet.DelAsync(a), Stack);
        Assert.False((await Kubelet.CheckAsync(a)).Succeeded, "CHECK after DEL succeeded");

        // Deleting the pod object makes the controller release the address: no LSP, no IP CR, no Port_Binding.
        await Kubelet.DeletePodObjectAsync(a);
        await StackAssert.EventuallyAsync(Stack, $"LSP {a.PortName} removed", async () =>
            (await Stack.Rig.Central.NbctlAsync(["--bare", "--columns=name", "find", "Logical_Switch_Port", $"name=\"{a.PortName}\""])).Stdout.Trim() == "");
        await StackAssert.EventuallyAsync(Stack, $"IP {a.PortName} removed", async () => !await IpExistsAsync(a.PortName));
        await StackAssert.NoPortAfterPodDeletedAsync(Stack, a, [hostA]);
        await StackAssert.EventuallyAsync(Stack, $"Port_Binding {a.PortName} removed", async () =>
            (await Stack.Rig.Central.SbctlAsync(["--bare", "--columns=_uuid", "find", "Port_Binding", $"logical_port=\"{a.PortName}\""])).Stdout.Trim() == "");
        Assert.True(await IpExistsAsync(b.PortName), "b's IP went with a's");

        // CHECK notices what it verifies going missing: the address the controller gave the pod.
        StackAssert.Succeeded(await Kubelet.CheckAsync(b), Stack);
        Assert.True((await b.ExecAsync("ip", "addr", "flush", "dev", "eth0")).Succeeded);
        StackAssert.Failed(await Kubelet.CheckAsync(b), 113, $"interface eth0 in {b.NetnsPath} lacks {ipB}");

        Assert.True((await Kubelet.RemovePodAsync(b)).Succeeded);
        await StackAssert.NothingLeftAsync(b, hostB);
        await StackAssert.NoPortAfterPodDeletedAsync(Stack, b, [hostB]);
    }

    private async Task<string> RouterPortMacAsync()
    {
        var port = $"{VmNetStack.ClusterRouter}-{VmNetStack.DefaultSubnet}";
        return (await Stack.Rig.Central.NbctlAsync(["get", "Logical_Router_Port", port, "mac"])).Stdout.Trim().Trim('"');
    }

    private async Task<bool> IpExistsAsync(string name)
    {
        try
        {
            await Stack.Kube.GetAsync<V1IP>(null, name);
            return true;
        }
        catch (KubeNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A bounded iperf3 run from <paramref name="client"/> to <paramref name="server"/>; bits/s received, 0 when iperf3 measured nothing.</summary>
    private static async Task<double> IperfAsync(StackPod server, StackPod client, string serverIp, int seconds, bool reverse)
    {
        // A one-off server (-1) per run: it exits after serving, so nothing is left to kill.
        var started = await server.ExecAsync("iperf3", "-s", "-D", "-1");
        Assert.True(started.Succeeded, started.Stderr);
        await Task.Delay(300);
        var args = new List<string> { "-c", serverIp, "-t", seconds.ToString(CultureInfo.InvariantCulture), "-O", "1", "-J" };
        if (reverse)
        {
            args.Add("-R");
        }

        var run = await client.ExecAsync("iperf3", [.. args]);
        Assert.True(run.Succeeded, run.Stdout + run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        // iperf3 can exit 0 with an "error" and no totals when the previous one-off server had not gone yet.
        if (!json.RootElement.TryGetProperty("end", out var end)
            || !end.TryGetProperty("sum_received", out var received)
            || !received.TryGetProperty("bits_per_second", out var bps))
        {
            await Task.Delay(500);
            return 0;
        }

        return bps.GetDouble();
    }
}
