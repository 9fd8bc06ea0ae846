using System.Text.Json;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using RigNetns = VmNet.Sandbox.Rig.NetworkNamespace;

namespace VmNet.Daemon.Tests.PrePlug;

/// <summary>
/// Pre-plugging on a real node: the port is plugged and bound by ovn-controller before the ADD, the ADD takes
/// it over (and still waits for ovn-installed and checks the gateway), and waiting ports that no pod needs any
/// more go away: on pod deletion, on a changed allocation, and on a daemon restart.
/// </summary>
public sealed class PrePlugTests(PrePlugRigFixture rig) : IClassFixture<PrePlugRigFixture>
{
    /// <summary>A pod the controller allocated, once its pre-plugged port is bound (ovn-installed) ahead of any ADD.</summary>
    private async Task<(TestPodSpec Pod, string HostName, string Holding)> WaitingPodAsync(string label)
    {
        var pod = await rig.NewPodAsync(label);
        await rig.PlayControllerAsync(pod);
        var hostName = PrePlugNames.HostSide(pod.PortName);
        await PrePlugRigFixture.WaitUntilAsync(async () => await rig.InterfaceIdAsync(hostName, OvsExternalIds.OvnInstalled) == "true", $"{hostName} is ovn-installed before any ADD");
        return (pod, hostName, PrePlugNames.Holding(pod.PortName));
    }

    private static string NewContainerId() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];

    [Fact]
    public async Task AnAddNamingThePodsUidTakesTheAllocationFromTheWatchedPod()
    {
        var (pod, _, _) = await WaitingPodAsync("seen");
        var uid = (await rig.Kube.GetAsync<V1Pod>("default", pod.Name)).Metadata!.Uid!;

        // kubelet's K8S_POD_UID matches the pod the pre-plugger's watch delivered: no read of the pod.
        var before = rig.Api.Controls.RequestCount("get", "pods");
        var (status, body) = await rig.CallAsync("add", pod, NewContainerId(), uid);
        Assert.True(status == 200, $"ADD answered {status}: {body}");
        Assert.Contains(pod.Ip + "/16", body, StringComparison.Ordinal);
        Assert.Equal(before, rig.Api.Controls.RequestCount("get", "pods"));

        // Another UID (a pod re-created under the same name) or none: the pod is read from the API server.
        foreach (var claimed in new[] { Guid.NewGuid().ToString(), "" })
        {
            var (other, _, _) = await WaitingPodAsync("unseen");
            before = rig.Api.Controls.RequestCount("get", "pods");
            (status, body) = await rig.CallAsync("add", other, NewContainerId(), claimed);
            Assert.True(status == 200, $"ADD answered {status}: {body}");
            Assert.True(rig.Api.Controls.RequestCount("get", "pods") > before, $"ADD with K8S_POD_UID '{claimed}' did not read the pod");
        }
    }

    [Fact]
    public async Task AddTakesOverThePortPluggedForThePod()
    {
        var (pod, hostName, holding) = await WaitingPodAsync("adopt");
        Assert.Equal(pod.Mac, await rig.HoldingLinkMacAsync(holding));
        Assert.Equal(pod.Mac, await rig.InterfaceIdAsync(hostName, OvsExternalIds.PrePlugged));

        var containerId = NewContainerId();
        var (status, body) = await rig.CallAsync("add", pod, containerId);
        Assert.True(status == 200, $"ADD answered {status}: {body}");
        using (var result = JsonDocument.Parse(body))
        {
            Assert.Equal(pod.Ip + "/16", result.RootElement.GetProperty("result").GetProperty("ips")[0].GetProperty("address").GetString());
        }

        // The pod's eth0 is a passthru macvlan on the holding end, which stays in the holding namespace (silent: no
        // IPv6, no ARP answers, no forwarding; never in the node's namespace); the port records the container and is
        // no longer waiting.
        Assert.Equal(pod.Mac, await rig.HoldingLinkMacAsync(holding));
        Assert.Null(await rig.NodeLinkMacAsync(holding));
        Assert.Contains("macvlan mode passthru", (await RigNetns.ExecCheckedAsync(pod.Netns, "ip", ["-d", "link", "show", "eth0"])).Stdout, StringComparison.Ordinal);
        Assert.Equal("1", (await RigNetns.ExecCheckedAsync(rig.HoldingNetns, "cat", [$"/proc/sys/net/ipv6/conf/{holding}/disable_ipv6"])).Stdout.Trim());
        Assert.Equal("8", (await RigNetns.ExecCheckedAsync(rig.HoldingNetns, "cat", ["/proc/sys/net/ipv4/conf/all/arp_ignore"])).Stdout.Trim());
        Assert.Equal("0", (await RigNetns.ExecCheckedAsync(rig.HoldingNetns, "cat", [$"/proc/sys/net/ipv4/conf/{holding}/forwarding"])).Stdout.Trim());
        await AssertTcpFlowsBetweenPrePluggedPodsAsync(pod);
        var eth0 = await RigNetns.ExecCheckedAsync(pod.Netns, "ip", ["-o", "addr", "show", "dev", "eth0"]);
        Assert.Contains(pod.Ip + "/16", eth0.Stdout, StringComparison.Ordinal);
        Assert.Equal(pod.Mac, (await RigNetns.ExecCheckedAsync(pod.Netns, "cat", ["/sys/class/net/eth0/address"])).Stdout.Trim());
        Assert.Equal(containerId, await rig.InterfaceIdAsync(hostName, OvsExternalIds.ContainerId));
        Assert.Equal("/var/run/netns/" + pod.Netns, await rig.InterfaceIdAsync(hostName, OvsExternalIds.PodNetns));
        Assert.Null(await rig.InterfaceIdAsync(hostName, OvsExternalIds.PrePlugged));
        Assert.Equal("true", await rig.InterfaceIdAsync(hostName, OvsExternalIds.OvnInstalled));

        var (checkStatus, checkBody) = await rig.CallAsync("check", pod, containerId);
        Assert.True(checkStatus is 200 or 204, $"CHECK answered {checkStatus}: {checkBody}");

        // An event for the pod after the ADD must not plug a second port for it.
        await rig.AnnotateAsync(pod.Name, new Dictionary<string, string> { ["test/touch"] = "1" });
        await Task.Delay(500);
        var ports = (await rig.Node.VsctlAsync(["list-ports", "br-int"])).Stdout;
        Assert.Single(ports.Split('\n'), p => p == hostName);

        // A repeated ADD of the same container replaces the adopted port with one plugged at ADD time (no waiting port left).
        var (again, againBody) = await rig.CallAsync("add", pod, containerId);
        Assert.True(again == 200, $"repeated ADD answered {again}: {againBody}");
        var coldName = VethNames.HostSide(containerId, "eth0");
        ports = (await rig.Node.VsctlAsync(["list-ports", "br-int"])).Stdout;
        Assert.DoesNotContain(hostName, ports, StringComparison.Ordinal);
        Assert.Contains(coldName, ports, StringComparison.Ordinal);
        Assert.Null(await rig.NodeLinkMacAsync(hostName));
        Assert.Equal(containerId, await rig.InterfaceIdAsync(coldName, OvsExternalIds.ContainerId));
        Assert.Contains(pod.Ip + "/16", (await RigNetns.ExecCheckedAsync(pod.Netns, "ip", ["-o", "addr", "show", "dev", "eth0"])).Stdout, StringComparison.Ordinal);

        var (delStatus, delBody) = await rig.CallAsync("del", pod, containerId);
        Assert.True(delStatus is 200 or 204, $"DEL answered {delStatus}: {delBody}");
        ports = (await rig.Node.VsctlAsync(["list-ports", "br-int"])).Stdout;
        Assert.DoesNotContain(hostName, ports, StringComparison.Ordinal);
        Assert.DoesNotContain(coldName, ports, StringComparison.Ordinal);
        Assert.Null(await rig.NodeLinkMacAsync(coldName));
        Assert.False((await RigNetns.ExecAsync(pod.Netns, "ip", ["link", "show", "eth0"])).Succeeded);
    }

    /// <summary>
    /// TCP both ways between <paramref name="server"/> and a second pre-plugged pod on the node: the userspace datapath
    /// forwards TCP only when the pods' frames carry complete checksums (the rig README's first pitfall).
    /// </summary>
    private async Task AssertTcpFlowsBetweenPrePluggedPodsAsync(TestPodSpec server)
    {
        var client = await rig.NewPodAsync("tcp");
        await rig.PlayControllerAsync(client);
        await PrePlugRigFixture.WaitUntilAsync(
            async () => await rig.InterfaceIdAsync(PrePlugNames.HostSide(client.PortName), OvsExternalIds.OvnInstalled) == "true", "the second pod's port is pre-plugged");
        var clientContainer = NewContainerId();
        var (status, body) = await rig.CallAsync("add", client, clientContainer);
        Assert.True(status == 200, $"second ADD answered {status}: {body}");
        try
        {
            foreach (var reverse in new[] { false, true })
            {
                await RigNetns.ExecCheckedAsync(server.Netns, "iperf3", ["-s", "-D", "-1"]);
                await Task.Delay(300);
                string[] args = ["-c", server.Ip, "-t", "1", "-J", "--connect-timeout", "3000", .. (reverse ? new[] { "-R" } : [])];
                var run = await RigNetns.ExecAsync(client.Netns, "iperf3", args, TimeSpan.FromSeconds(20));
                using var json = JsonDocument.Parse(run.Stdout);
                var received = json.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bytes").GetInt64();
                // A second of TCP: a broken checksum path moves nothing at all (the bar is far below any working rate).
                Assert.True(received >= 256 * 1024, $"iperf3 {(reverse ? "-R " : string.Empty)}received {received} bytes: {run.Stderr}");
            }
        }
        finally
        {
            await rig.CallAsync("del", client, clientContainer);
        }
    }

    [Fact]
    public async Task AddOfANewSandboxPlugsAnewWhenAnEarlierSandboxAttachedToTheWaitingPort()
    {
        var (pod, hostName, holding) = await WaitingPodAsync("taken");

        // An ADD for an earlier sandbox attached its eth0 to the waiting port and died before adopting it.
        var earlier = await rig.NewPodAsync("taken-old");
        await RigNetns.ExecCheckedAsync(rig.HoldingNetns, "ip", ["link", "set", holding, "up"]);
        await RigNetns.ExecCheckedAsync(rig.HoldingNetns, "ip", ["link", "add", "link", holding, "name", "eth0", "netns", earlier.Netns, "type", "macvlan", "mode", "passthru"]);

        var containerId = NewContainerId();
        var (status, body) = await rig.CallAsync("add", pod, containerId);
        Assert.True(status == 200, $"ADD answered {status}: {body}");

        // The waiting port went with the earlier sandbox's interface; the ADD plugged its own port under the container's name.
        var coldName = VethNames.HostSide(containerId, "eth0");
        Assert.Null(await rig.NodeLinkMacAsync(hostName));
        Assert.Null(await rig.HoldingLinkMacAsync(holding));
        Assert.False((await RigNetns.ExecAsync(earlier.Netns, "ip", ["link", "show", "eth0"])).Succeeded, "the earlier sandbox's eth0 is gone");
        Assert.Equal(containerId, await rig.InterfaceIdAsync(coldName, OvsExternalIds.ContainerId));
        Assert.Equal("true", await rig.InterfaceIdAsync(coldName, OvsExternalIds.OvnInstalled));
        Assert.Contains(pod.Ip + "/16", (await RigNetns.ExecCheckedAsync(pod.Netns, "ip", ["-o", "addr", "show", "dev", "eth0"])).Stdout, StringComparison.Ordinal);

        var (delStatus, delBody) = await rig.CallAsync("del", pod, containerId);
        Assert.True(delStatus is 200 or 204, $"DEL answered {delStatus}: {delBody}");
        Assert.Null(await rig.NodeLinkMacAsync(coldName));
    }

    [Fact]
    public async Task AddPlugsAnewWhenTheWaitingPortsHoldingEndIsGone()
    {
        var (pod, hostName, holding) = await WaitingPodAsync("gone");

        // Someone deleted the veth; the OVS port still says it waits.
        await RigNetns.ExecCheckedAsync(rig.HoldingNetns, "ip", ["link", "del", holding]);
        var containerId = NewContainerId();
        var (status, body) = await rig.CallAsync("add", pod, containerId);
        Assert.True(status == 200, $"ADD answered {status}: {body}");
        var coldName = VethNames.HostSide(containerId, "eth0");
        Assert.Null(await rig.InterfaceIdAsync(hostName, OvsExternalIds.IfaceId));
        Assert.Equal(containerId, await rig.InterfaceIdAsync(coldName, OvsExternalIds.ContainerId));
        Assert.Contains(pod.Ip + "/16", (await RigNetns.ExecCheckedAsync(pod.Netns, "ip", ["-o", "addr", "show", "dev", "eth0"])).Stdout, StringComparison.Ordinal);
        var (delStatus, delBody) = await rig.CallAsync("del", pod, containerId);
        Assert.True(delStatus is 200 or 204, $"DEL answered {delStatus}: {delBody}");
    }

    [Fact]
    public async Task ChangedAllocationReplacesTheWaitingPortAndPodDeletionRemovesIt()
    {
        var pod = await rig.NewPodAsync("change");
        await rig.PlayControllerAsync(pod);
        var hostName = PrePlugNames.HostSide(pod.PortName);
        var holding = PrePlugNames.Holding(pod.PortName);
        await PrePlugRigFixture.WaitUntilAsync(async () => await rig.HoldingLinkMacAsync(holding) == pod.Mac, "the pod end waits with the pod's MAC");

        const string newMac = "0a:58:0a:10:07:fe";
        await rig.AnnotateAsync(pod.Name, new Dictionary<string, string> { ["ovn.kubernetes.io/mac_address"] = newMac, ["ovn.kubernetes.io/ip_address"] = "10.16.7.254" });
        await PrePlugRigFixture.WaitUntilAsync(
            async () => await rig.InterfaceIdAsync(hostName, OvsExternalIds.PrePlugged) == newMac && await rig.HoldingLinkMacAsync(holding) == newMac,
            "the waiting port follows the changed allocation");
        Assert.Equal("10.16.7.254", await rig.InterfaceIdAsync(hostName, OvsExternalIds.Ip));

        await rig.Kube.DeleteAsync<V1Pod>("default", pod.Name);
        await PrePlugRigFixture.WaitUntilAsync(
            async () => await rig.InterfaceIdAsync(hostName, OvsExternalIds.IfaceId) is null && await rig.NodeLinkMacAsync(hostName) is null && await rig.HoldingLinkMacAsync(holding) is null,
            "the deleted pod's waiting port and veth are gone");
    }

    [Fact]
    public async Task RestartedDaemonSweepsWaitingPortsAndVethsNoPodNeeds()
    {
        var gone = await rig.NewPodAsync("gone");
        var kept = await rig.NewPodAsync("kept");
        await rig.PlayControllerAsync(gone);
        await rig.PlayControllerAsync(kept);
        var goneHost = PrePlugNames.HostSide(gone.PortName);
        var keptHost = PrePlugNames.HostSide(kept.PortName);
        await PrePlugRigFixture.WaitUntilAsync(
            async () => await rig.InterfaceIdAsync(goneHost, OvsExternalIds.PrePlugged) is not null && await rig.InterfaceIdAsync(keptHost, OvsExternalIds.PrePlugged) is not null,
            "both pods have waiting ports");

        await rig.StopDaemonAsync();
        try
        {
            // Meanwhile: one pod is deleted, and a daemon that died between veth and OVS port left a stray veth.
            await rig.Kube.DeleteAsync<V1Pod>("default", gone.Name);
            var stray = PrePlugNames.HostSide("stray-" + gone.PortName);
            await RigNetns.ExecCheckedAsync(rig.Node.Netns, "ip", ["link", "add", stray, "type", "veth", "peer", "name", PrePlugNames.HoldingOf(stray)]);
        }
        finally
        {
            await rig.StartDaemonAsync();
        }

        var strayHost = PrePlugNames.HostSide("stray-" + gone.PortName);
        await PrePlugRigFixture.WaitUntilAsync(
            async () => await rig.InterfaceIdAsync(goneHost, OvsExternalIds.IfaceId) is null && await rig.HoldingLinkMacAsync(PrePlugNames.HoldingOf(goneHost)) is null
                && await rig.NodeLinkMacAsync(strayHost) is null && await rig.NodeLinkMacAsync(PrePlugNames.HoldingOf(strayHost)) is null,
            "the restarted daemon removed the deleted pod's port and the stray veth");
        Assert.Equal(kept.Mac, await rig.InterfaceIdAsync(keptHost, OvsExternalIds.PrePlugged));
        Assert.Equal(kept.Mac, await rig.HoldingLinkMacAsync(PrePlugNames.HoldingOf(keptHost)));
    }

    [Fact]
    public async Task WaitingPortIsRemovedAfterTheMaxAgeAndALateAddPlugsAtAddTime()
    {
        await rig.StopDaemonAsync();
        await rig.StartDaemonAsync(prePlugMaxAge: TimeSpan.FromSeconds(12));
        try
        {
            var pod = await rig.NewPodAsync("expire");
            await rig.PlayControllerAsync(pod);
            var hostName = PrePlugNames.HostSide(pod.PortName);
            var holding = PrePlugNames.Holding(pod.PortName);
            string? stamp = null;
            await PrePlugRigFixture.WaitUntilAsync(async () => (stamp = await rig.InterfaceIdAsync(hostName, OvsExternalIds.PrePlugExpires)) is not null, "the pod's port is plugged with an expiry stamp", TimeSpan.FromSeconds(10));
            var created = (await rig.Kube.GetAsync<V1Pod>("default", pod.Name)).Metadata!.CreationTimestamp!.Value;
            Assert.Equal((created + TimeSpan.FromSeconds(12)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), stamp);

            await PrePlugRigFixture.WaitUntilAsync(
                async () => await rig.InterfaceIdAsync(hostName, OvsExternalIds.IfaceId) is null && await rig.NodeLinkMacAsync(hostName) is null && await rig.HoldingLinkMacAsync(holding) is null,
                "the port that waited past its max age and its veth are gone");
            Assert.True(DateTimeOffset.UtcNow >= created + TimeSpan.FromSeconds(11), "removed before its max age");

            // A pod event after the expiry must not plug it again; a late ADD plugs at ADD time under the container's name.
            await rig.AnnotateAsync(pod.Name, new Dictionary<string, string> { ["test/touch"] = "1" });
            await Task.Delay(1500);
            Assert.Null(await rig.InterfaceIdAsync(hostName, OvsExternalIds.IfaceId));
            var containerId = NewContainerId();
            var (status, body) = await rig.CallAsync("add", pod, containerId);
            Assert.True(status == 200, $"late ADD answered {status}: {body}");
            var coldName = VethNames.HostSide(containerId, "eth0");
            Assert.Equal(containerId, await rig.InterfaceIdAsync(coldName, OvsExternalIds.ContainerId));
            var (delStatus, delBody) = await rig.CallAsync("del", pod, containerId);
            Assert.True(delStatus is 200 or 204, $"DEL answered {delStatus}: {delBody}");
        }
        finally
        {
            await rig.StopDaemonAsync();
            await rig.StartDaemonAsync();
        }
    }
}
