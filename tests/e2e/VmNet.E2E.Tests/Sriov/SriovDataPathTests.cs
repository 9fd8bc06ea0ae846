using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using VmNet.Daemon.Hosting;
using VmNet.Daemon.Sriov;
using VmNet.Daemon.Tests.Sriov;
using VmNet.E2E.Daemon;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.E2E.Sriov;

/// <summary>
/// SR-IOV pods on the real two-node OVN/OVS rig: node 1's daemon serves an emulated switchdev NIC (sysfs
/// tree, veth VF/representor pairs; devlink and the PF's VF-MAC call replaced, see src/Daemon/Sriov/README.md)
/// and plugs VFs through the published CNI binary; traffic goes pod → VF → representor → OVN → veth pod on node 2.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class SriovDataPathTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>, IAsyncLifetime
{
    private readonly RecordingVfMacSetter macs = new();
    private EmulatedSwitchdevNic nic = null!;
    private DaemonHost? daemon;

    public async Task InitializeAsync()
    {
        nic = new EmulatedSwitchdevNic(fixture.Node1.Netns, vfCount: 4);
        await fixture.StopDaemonAsync(fixture.Node1);
        await StartSriovDaemonAsync();
    }

    public async Task DisposeAsync()
    {
        if (daemon is not null)
        {
            await daemon.StopAsync();
        }

        nic.Dispose();
        await fixture.StartDaemonAsync(fixture.Node1);
    }

    [Fact]
    public async Task AVfPodTalksToAVethPodOnTheOtherNodeAndDelAfterARestartGivesTheVfBack()
    {
        var a = await CniPod.NewAsync(fixture, fixture.Node1, "vf");
        var b = await CniPod.NewAsync(fixture, fixture.Node2, "veth");
        await a.PlayControllerAsync(fixture);
        await b.PlayControllerAsync(fixture);
        var vfMac = await LinkFieldAsync(nic.VfNetdev(0), "address");

        var addA = await a.AddAsync(fixture, NetConf(deviceId: EmulatedSwitchdevNic.VfPci(0)));
        Assert.True(addA.ExitCode == 0, addA.Stdout + addA.Stderr);
        var addB = await b.AddAsync(fixture);
        Assert.True(addB.ExitCode == 0, addB.Stdout + addB.Stderr);

        // eth0 of pod a is the VF (its peer is the representor, renamed to the port name, on br-int).
        var eth0 = (await a.ExecAsync("ip", "-o", "link", "show", "eth0")).Stdout;
        var repIndex = await LinkFieldAsync(a.HostVeth, "ifindex");
        Assert.Contains($"eth0@if{repIndex}", eth0, StringComparison.Ordinal);
        Assert.Contains(a.Mac, eth0, StringComparison.Ordinal);
        Assert.False((await fixture.Node1.ExecAsync("ip", ["link", "show", nic.VfNetdev(0)])).Succeeded);
        Assert.Contains((nic.PfNetdev, 0, a.Mac), macs.Calls);
        Assert.Equal("true", await ExternalIdAsync(a, "ovn-installed"));
        Assert.Equal(EmulatedSwitchdevNic.VfPci(0), await ExternalIdAsync(a, SriovPortState.VfPciKey));
        Assert.Equal(a.PortName, await ExternalIdAsync(a, "iface-id"));
        var annotations = (await fixture.Kube.GetAsync<V1Pod>("default", a.Name)).Metadata!.Annotations!;
        Assert.Equal("sriov", annotations["ovn.kubernetes.io/pod_nic_type"]);
        Assert.Equal(a.HostVeth, annotations["ovn.kubernetes.io/vf_representor"]);
        Assert.Equal(nic.VfNetdev(0), annotations["ovn.kubernetes.io/vf"]);

        var ping = await a.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", b.Ip);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr);
        var back = await b.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", a.Ip);
        Assert.True(back.Succeeded, back.Stdout + back.Stderr);
        var gateway = await a.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", KubeOvnTopology.Gateway);
        Assert.True(gateway.Succeeded, gateway.Stdout + gateway.Stderr);

        // TCP too: on the rig's userspace datapath the VF's TX checksum offload is off, as for veths.
        Assert.Contains("tx-checksumming: off", (await a.ExecAsync("ethtool", "-k", "eth0")).Stdout, StringComparison.Ordinal);
        var server = await b.ExecAsync("iperf3", "-s", "-D", "-1");
        Assert.True(server.Succeeded, server.Stderr);
        await Task.Delay(300);
        var iperf = await a.ExecAsync("iperf3", "-c", b.Ip, "-t", "1", "-J");
        Assert.True(iperf.Succeeded, iperf.Stdout + iperf.Stderr);

        var check = await a.CheckAsync(fixture);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);

        // The daemon restarts between ADD and DEL: DEL works from what OVS recorded.
        await daemon!.StopAsync();
        await StartSriovDaemonAsync();
        var del = await a.DelAsync(fixture);
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);

        Assert.False((await a.ExecAsync("ip", "link", "show", "eth0")).Succeeded);
        Assert.Equal(vfMac, await LinkFieldAsync(nic.VfNetdev(0), "address"));
        Assert.Equal("DOWN", await LinkFieldAsync(nic.Representor(0), "operstate"));
        Assert.False((await fixture.Node1.ExecAsync("ip", ["link", "show", a.HostVeth])).Succeeded);
        Assert.DoesNotContain(a.HostVeth, (await fixture.Node1.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);
        Assert.Equal((nic.PfNetdev, 0, "00:00:00:00:00:00"), macs.Calls[^1]);
        var again = await a.DelAsync(fixture);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        await b.DelAsync(fixture);
    }

    [Fact]
    public async Task AVfInUseOrADeviceIdWithoutVfIsACniErrorThatLeavesNothing()
    {
        var a = await CniPod.NewAsync(fixture, fixture.Node1, "vf");
        var c = await CniPod.NewAsync(fixture, fixture.Node1, "vf");
        var d = await CniPod.NewAsync(fixture, fixture.Node1, "vf");
        await a.PlayControllerAsync(fixture);
        await c.PlayControllerAsync(fixture);
        await d.PlayControllerAsync(fixture);

        // Multus puts the device plugin's VF in runtimeConfig.deviceID as well as in the netconf.
        var addA = await a.AddAsync(fixture, NetConf(runtimeDeviceId: EmulatedSwitchdevNic.VfPci(1)));
        Assert.True(addA.ExitCode == 0, addA.Stdout + addA.Stderr);

        var addC = await c.AddAsync(fixture, NetConf(deviceId: EmulatedSwitchdevNic.VfPci(1)));
        Assert.NotEqual(0, addC.ExitCode);
        Assert.Contains("\"code\":114", addC.Stdout.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"VF is in use by OVS port {a.HostVeth}", addC.Stdout, StringComparison.Ordinal);
        Assert.False((await c.ExecAsync("ip", "link", "show", "eth0")).Succeeded);
        Assert.DoesNotContain(c.HostVeth, (await fixture.Node1.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);

        var addD = await d.AddAsync(fixture, NetConf(deviceId: "0000:3b:00.7"));
        Assert.NotEqual(0, addD.ExitCode);
        Assert.Contains("deviceID 0000:3b:00.7: no PCI device", addD.Stdout, StringComparison.Ordinal);

        // Pod a is untouched by both failures.
        var ping = await a.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", KubeOvnTopology.Gateway);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr);
        var del = await a.DelAsync(fixture);
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        Assert.True((await fixture.Node1.ExecAsync("ip", ["link", "show", nic.VfNetdev(1)])).Succeeded);
    }

    /// <summary>KubeVirt SR-IOV binding: the VF is bound to vfio-pci for the VM; only its representor is plugged and claimed by OVN.</summary>
    [Fact]
    public async Task AVfForAVmIsLeftForItAndOnlyTheRepresentorIsPlugged()
    {
        var vm = await CniPod.NewAsync(fixture, fixture.Node1, "vm");
        await vm.PlayControllerAsync(fixture);
        var socket = fixture.SocketPath(fixture.Node1);
        var netconf = $$"""{"cniVersion":"1.0.0","name":"kube-ovn","type":"kube-ovn","server_socket":"{{socket}}","daemon_timeout_seconds":90,"deviceID":"{{EmulatedSwitchdevNic.VfPci(2)}}","vf_driver":"vfio-pci"}""";
        var noDriver = await vm.AddAsync(fixture, netconf);
        Assert.NotEqual(0, noDriver.ExitCode);
        Assert.Contains("vf_driver vfio-pci: the driver is not loaded", noDriver.Stdout, StringComparison.Ordinal);

        nic.BindToVfio(2);
        var add = await vm.AddAsync(fixture, netconf);
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);

        Assert.False((await vm.ExecAsync("ip", "link", "show", "eth0")).Succeeded);
        Assert.Equal("true", await ExternalIdAsync(vm, "ovn-installed"));
        Assert.Equal("false", await ExternalIdAsync(vm, SriovPortState.VfInPodKey));
        Assert.Contains((nic.PfNetdev, 2, vm.Mac), macs.Calls);
        var check = await vm.CheckAsync(fixture);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);

        var del = await vm.DelAsync(fixture);
        Assert.True(del.ExitCode == 0, del.Stdout + del.Stderr);
        Assert.Equal("DOWN", await LinkFieldAsync(nic.Representor(2), "operstate"));
        Assert.DoesNotContain(vm.HostVeth, (await fixture.Node1.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);
    }

    /// <summary>CNI GC of an attachment the runtime no longer lists gives its VF back, as DEL does.</summary>
    [Fact]
    public async Task GcGivesBackTheVfOfAnUnlistedAttachment()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "gc");
        await pod.PlayControllerAsync(fixture);
        var add = await pod.AddAsync(fixture, NetConf(deviceId: EmulatedSwitchdevNic.VfPci(3)));
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        Assert.False((await fixture.Node1.ExecAsync("ip", ["link", "show", nic.VfNetdev(3)])).Succeeded);

        var netconf = $$"""{"cniVersion":"1.1.0","name":"kube-ovn","type":"kube-ovn","server_socket":"{{fixture.SocketPath(fixture.Node1)}}","cni.dev/valid-attachments":[]}""";
        var gc = await CniBinary.RunAsync("GC", "", null, "", "", "", netconf, Timeouts.Token());
        Assert.True(gc.ExitCode == 0, gc.Stdout + gc.Stderr);

        Assert.False((await pod.ExecAsync("ip", "link", "show", "eth0")).Succeeded);
        Assert.True((await fixture.Node1.ExecAsync("ip", ["link", "show", nic.VfNetdev(3)])).Succeeded);
        Assert.Equal("DOWN", await LinkFieldAsync(nic.Representor(3), "operstate"));
        Assert.DoesNotContain(pod.HostVeth, (await fixture.Node1.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);
    }

    private async Task StartSriovDaemonAsync()
    {
        var log = new Serilog.LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(fixture.DaemonLog).CreateLogger().ForContext("Node", fixture.Node1.Name + "-sriov");
        daemon = await DaemonHost.StartAsync(
            fixture.Options(fixture.Node1) with { SysfsRoot = nic.Root },
            fixture.Kube,
            log,
            CancellationToken.None,
            services =>
            {
                // This kernel has no devlink device and a veth "PF" has no ndo_set_vf_mac (both tested on their own in Daemon.Tests).
                services.AddSingleton<IEswitchModeReader>(new FixedEswitchModes("switchdev"));
                services.AddSingleton<IVfMacSetter>(macs);
            });
    }

    private string NetConf(string? deviceId = null, string? runtimeDeviceId = null)
    {
        var socket = fixture.SocketPath(fixture.Node1);
        var extra = (deviceId is null ? string.Empty : $",\"deviceID\":\"{deviceId}\"")
            + (runtimeDeviceId is null ? string.Empty : $",\"runtimeConfig\":{{\"deviceID\":\"{runtimeDeviceId}\"}}");
        return $$"""{"cniVersion":"1.0.0","name":"kube-ovn","type":"kube-ovn","server_socket":"{{socket}}","daemon_timeout_seconds":90{{extra}}}""";
    }

    private async Task<string> LinkFieldAsync(string name, string field)
    {
        var result = await fixture.Node1.ExecAsync("ip", ["-j", "link", "show", name]);
        Assert.True(result.Succeeded, result.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var value = json.RootElement[0].GetProperty(field);
        return value.ValueKind == System.Text.Json.JsonValueKind.Number ? value.GetInt32().ToString(CultureInfo.InvariantCulture) : value.GetString()!;
    }

    private async Task<string> ExternalIdAsync(CniPod pod, string key) =>
        (await fixture.Node1.VsctlAsync(["--if-exists", "get", "Interface", pod.HostVeth, $"external_ids:\"{key}\""])).Stdout.Trim().Trim('"');
}
