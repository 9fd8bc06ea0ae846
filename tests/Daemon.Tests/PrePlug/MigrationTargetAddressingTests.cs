using System.Text.Json;
using VmNet.Daemon.Hosting;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Values;
using RigNetns = VmNet.Sandbox.Rig.NetworkNamespace;

namespace VmNet.Daemon.Tests.PrePlug;

/// <summary>
/// A migration target's ADD on a real node (issue 6): the pod's interface is plugged without the VM's address, and
/// the address appears only once the Southbound Port_Binding lists this node's chassis in additional_chassis. Until
/// then frames for the VM still running on the source can reach the target, and a kernel holding the address would
/// answer their TCP segments with a RST. The source chassis is a Chassis row without an ovn-controller.
/// </summary>
public sealed class MigrationTargetAddressingTests(PrePlugRigFixture rig) : IClassFixture<PrePlugRigFixture>
{
    [Fact]
    public async Task TargetGetsItsAddressOnlyAfterTheSouthboundListsItsChassis()
    {
        var source = "src-" + rig.Rig.RunId.Value;
        await rig.Rig.Central.SbctlAsync(["chassis-add", source, "geneve", "127.0.0.2"]);
        var pod = await rig.NewPodAsync("migtgt");
        await rig.Rig.Central.NbctlAsync(
        [
            "lsp-add", "ovn-default", pod.PortName, "--", "lsp-set-addresses", pod.PortName, pod.Mac + " " + pod.Ip,
            "--", "lsp-set-options", pod.PortName, "requested-chassis=" + source,
        ]);
        var annotations = pod.Annotations();
        annotations["kubevirt.io/migrationJobName"] = "vm-mig-1";
        await rig.Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = pod.Name, Namespace = "default", Annotations = annotations },
            Spec = new V1PodSpec { NodeName = rig.Node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });

        // The VM still runs on the source only: the target is plugged but holds no address (and the ADD waits).
        var containerId = (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];
        var add = rig.CallAsync("add", pod, containerId);
        await PrePlugRigFixture.WaitUntilAsync(async () => (await RigNetns.ExecAsync(pod.Netns, "ip", ["link", "show", "eth0"])).Succeeded, "the target's eth0 exists");
        for (var i = 0; i < 10; i++)
        {
            Assert.False(add.IsCompleted, "the target's ADD finished before its port could be bound here");
            Assert.Equal(string.Empty, await Ipv4Async(pod.Netns));
            Assert.Equal(string.Empty, await AdditionalChassisAsync(pod.PortName));
            await Task.Delay(100);
        }

        // The controller's switch for the migration: both chassis, RARP activation. From now on the address may appear,
        // but never before the binding lists this chassis (read after the address, so a later listing cannot excuse it).
        await rig.Rig.Central.NbctlAsync(["lsp-set-options", pod.PortName, $"requested-chassis={source},{rig.Node.Name}", "activation-strategy=rarp"]);
        var self = (await rig.Rig.Central.SbctlAsync(["--bare", "--columns=_uuid", "find", "Chassis", "name=" + rig.Node.Name])).Stdout.Trim();
        Assert.NotEqual(string.Empty, self);
        var samples = 0;
        while (!add.IsCompleted)
        {
            var address = await Ipv4Async(pod.Netns);
            var listed = await AdditionalChassisAsync(pod.PortName);
            Assert.True(address.Length == 0 || listed == self, $"eth0 has {address} while Port_Binding {pod.PortName} additional_chassis is '{listed}' (expected {self})");
            samples++;
        }

        var (status, body) = await add;
        Assert.True(status == 200, $"ADD answered {status}: {body}");
        using (var result = JsonDocument.Parse(body))
        {
            Assert.Equal(pod.Ip + "/16", result.RootElement.GetProperty("result").GetProperty("ips")[0].GetProperty("address").GetString());
        }

        Assert.True(samples > 0, "the ADD completed before the binding could be sampled");
        Assert.Equal(self, await AdditionalChassisAsync(pod.PortName));
        Assert.Contains(pod.Ip + "/16", await Ipv4Async(pod.Netns), StringComparison.Ordinal);
        var routes = await RigNetns.ExecCheckedAsync(pod.Netns, "ip", ["-4", "route", "show", "default"]);
        Assert.Contains("via 10.16.0.1 dev eth0", routes.Stdout, StringComparison.Ordinal);

        var (delStatus, delBody) = await rig.CallAsync("del", pod, containerId);
        Assert.True(delStatus is 200 or 204, $"DEL answered {delStatus}: {delBody}");
    }

    [Fact]
    public async Task UnreadableSouthboundFailsTheTargetsAddNamingPortAndChassisAndLeavesNothing()
    {
        var options = rig.Daemon!.Options with { SouthboundStatusRemote = $"unix:/tmp/vmnet-{rig.Rig.RunId.Value}-no-sb.sock" };
        await rig.StopDaemonAsync();
        try
        {
            await using var daemon = await DaemonHost.StartAsync(options, rig.Kube, Serilog.Core.Logger.None, CancellationToken.None);
            var pod = await rig.NewPodAsync("migsb");
            await rig.Rig.Central.NbctlAsync(["lsp-add", "ovn-default", pod.PortName, "--", "lsp-set-addresses", pod.PortName, pod.Mac + " " + pod.Ip]);
            var annotations = pod.Annotations();
            annotations["kubevirt.io/migrationJobName"] = "vm-mig-2";
            await rig.Kube.CreateAsync(new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta { Name = pod.Name, Namespace = "default", Annotations = annotations },
                Spec = new V1PodSpec { NodeName = rig.Node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            });

            var (status, body) = await rig.CallAsync("add", pod, (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64]);
            Assert.True(status >= 400, $"ADD answered {status}: {body}");
            Assert.Contains("Port_Binding " + pod.PortName, body, StringComparison.Ordinal);
            Assert.Contains("chassis " + rig.Node.Name, body, StringComparison.Ordinal);
            Assert.Equal(string.Empty, (await rig.Node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id=\"{pod.PortName}\""])).Stdout.Trim());
            Assert.False((await RigNetns.ExecAsync(pod.Netns, "ip", ["link", "show", "eth0"])).Succeeded, "the target's eth0 was left behind");
        }
        finally
        {
            await rig.StartDaemonAsync();
        }
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    [InlineData(false, false, false)]
    public void ListedAsAdditionalOrAsTheOnlyChassis(bool additionalIsSelf, bool chassisIsSelf, bool listed)
    {
        var self = Guid.NewGuid();
        var other = Guid.NewGuid();
        var chassis = chassisIsSelf ? self : other;
        object additional = additionalIsSelf ? OvsdbSet.Of(self) : OvsdbSet.Empty;
        Assert.Equal(listed, MigrationTargetBinding.Lists(chassis, additional, self));
    }

    [Fact]
    public void NotListedWhileAnotherChassisIsTheAdditionalOne()
    {
        var self = Guid.NewGuid();
        Assert.False(MigrationTargetBinding.Lists(self, OvsdbSet.Of(Guid.NewGuid()), self));
        Assert.False(MigrationTargetBinding.Lists(null, OvsdbSet.Empty, self));
    }

    private static async Task<string> Ipv4Async(string netns) =>
        (await RigNetns.ExecCheckedAsync(netns, "ip", ["-4", "-o", "addr", "show", "dev", "eth0"])).Stdout.Trim();

    private async Task<string> AdditionalChassisAsync(string port) =>
        (await rig.Rig.Central.SbctlAsync(["--bare", "--columns=additional_chassis", "find", "Port_Binding", "logical_port=" + port])).Stdout.Trim();
}
