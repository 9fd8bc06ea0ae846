using VmNet.Controller.Attachments;
using VmNet.Controller.Migrations;
using VmNet.Controller.Tests.Addressing;
using VmNet.Controller.Tests.Attachments;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Tests.Migrations;

/// <summary>
/// Migrations in a row, one started while the previous is being finalised, the source launcher's end finishing
/// a completed switchover, and a VM with a Multus NIC: the migration module with the addressing and attachments
/// modules against the in-process API server and a real OVN_Northbound. The activation grace is long here, so
/// every switchover seen is caused by the event under test, never by the fallback.
/// </summary>
public sealed class MigrationSequenceTests : IAsyncLifetime
{
    private const string Attachment = "att-a";
    private const string AttachmentProvider = "att-a.default.ovn";
    private static readonly TimeSpan LongGrace = TimeSpan.FromMinutes(5);
    private AddressingHarness _h = null!;
    private MigrationWorld _w = null!;

    public async Task InitializeAsync()
    {
        _h = await AddressingHarness.StartAsync();
        _h.ExtraModules = () => [new AttachmentsModule(), new MigrationModule(LongGrace, ActivationStrategyPolicy.Default)];
        await _h.StartControllerAsync();
        _w = new MigrationWorld(_h);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task ThreeMigrationsInARowKeepTheAddressAndEndOnOneChassisEachTime()
    {
        await _w.StartVmAsync("vm1", "node-1");
        var before = (await _h.GetIpAsync(MigrationWorld.Port("vm1")))!;
        var launcher = "virt-launcher-vm1-src";
        var nodes = new[] { "node-1", "node-2", "node-1", "node-2" };
        for (var i = 1; i < nodes.Length; i++)
        {
            var (source, target) = (nodes[i - 1], nodes[i]);
            var name = $"m{i}";
            var vmim = await _w.CreateVmimAsync(name, "vm1", MigrationPhases.Scheduling);
            var targetPod = $"virt-launcher-vm1-{i}";
            await _w.CreateTargetPodAsync("vm1", targetPod, target, vmim);
            await _w.WaitOptionsAsync("vm1", $"{source},{target}", "rarp");
            await _w.SetVmiAsync("vm1", source, MigrationWorld.State(vmim, source, target));
            await _w.SetPhaseAsync(name, MigrationPhases.Running);

            if (i < nodes.Length - 1)
            {
                // The target runs; Succeeded lags. Both chassis stay until the source launcher ends, which finishes it.
                await _w.SetVmiAsync("vm1", target, MigrationWorld.State(vmim, source, target, completed: true));
                await Task.Delay(300);
                Assert.Equal(($"{source},{target}", "rarp"), await _w.OptionsAsync("vm1"));
                await _h.Client.DeleteAsync<V1Pod>(MigrationWorld.Ns, launcher);
                await _w.WaitOptionsAsync("vm1", target, null);
                await _w.SetPhaseAsync(name, MigrationPhases.Succeeded);
            }
            else
            {
                // The usual order: Succeeded, then the source launcher goes; nothing moves back.
                await _w.SetVmiAsync("vm1", target, MigrationWorld.State(vmim, source, target, completed: true));
                await _w.SetPhaseAsync(name, MigrationPhases.Succeeded);
                await _w.WaitOptionsAsync("vm1", target, null);
                await _h.Client.DeleteAsync<V1Pod>(MigrationWorld.Ns, launcher);
                await Task.Delay(500);
                Assert.Equal((target, (string?)null), await _w.OptionsAsync("vm1"));
            }

            await WaitIpNodeAsync("vm1", target);
            var ip = (await _h.GetIpAsync(MigrationWorld.Port("vm1")))!;
            Assert.Equal((before.Metadata!.Uid, before.Spec!.IpAddress, before.Spec.MacAddress), (ip.Metadata!.Uid, ip.Spec!.IpAddress, ip.Spec.MacAddress));
            Assert.Equal(MigrationWorld.Port("vm1"), await _h.LspColumnAsync(MigrationWorld.Port("vm1"), "name") is { } n ? n.Trim('"') : null);
            launcher = targetPod;
        }
    }

    [Fact]
    public async Task AMigrationStartedWhileThePreviousIsBeingFinalisedBindsTheNewTarget()
    {
        await _w.StartVmAsync("vm2", "node-1");
        var ip = (await _h.GetIpAsync(MigrationWorld.Port("vm2")))!.Spec!.IpAddress;
        var m1 = await _w.MigrateUntilDualBoundAsync("vm2", "m1", "virt-launcher-vm2-1", "node-1", "node-2", reportMigrationState: true);

        // m1 finishes and m2 (back to node-1) starts before the controller has necessarily processed m1's end.
        await _w.SetVmiAsync("vm2", "node-2", MigrationWorld.State(m1, "node-1", "node-2", completed: true));
        await _w.SetPhaseAsync("m1", MigrationPhases.Succeeded);
        await _h.Client.DeleteAsync<V1Pod>(MigrationWorld.Ns, "virt-launcher-vm2-src");
        var m2 = await _w.CreateVmimAsync("m2", "vm2", MigrationPhases.Scheduling);
        await _w.CreateTargetPodAsync("vm2", "virt-launcher-vm2-2", "node-1", m2);
        await _w.WaitOptionsAsync("vm2", "node-2,node-1", "rarp");

        await _w.SetVmiAsync("vm2", "node-2", MigrationWorld.State(m2, "node-2", "node-1"));
        await _w.SetPhaseAsync("m2", MigrationPhases.Running);
        await Task.Delay(200);
        Assert.Equal(("node-2,node-1", "rarp"), await _w.OptionsAsync("vm2"));
        await _w.SetVmiAsync("vm2", "node-1", MigrationWorld.State(m2, "node-2", "node-1", completed: true));
        await _w.SetPhaseAsync("m2", MigrationPhases.Succeeded);
        await _w.WaitOptionsAsync("vm2", "node-1", null);
        await WaitIpNodeAsync("vm2", "node-1");
        Assert.Equal(ip, (await _h.GetIpAsync(MigrationWorld.Port("vm2")))!.Spec!.IpAddress);
    }

    [Fact]
    public async Task EveryNicOfAMultusVmIsBoundOnBothChassisAndSwitchedOver()
    {
        await _h.Client.CreateAsync(AttachmentHarness.Subnet(Attachment, "10.210.0.0/24", AttachmentProvider));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(MigrationWorld.Ns, Attachment, AttachmentHarness.OvnConfig(MigrationWorld.Ns, Attachment)));
        var networks = new Dictionary<string, string> { ["k8s.v1.cni.cncf.io/networks"] = Attachment };
        await _w.StartVmAsync("vm3", "node-1", networks);
        var ports = new[] { MigrationWorld.Port("vm3"), $"{MigrationWorld.Port("vm3")}.{AttachmentProvider}" };
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync(ports[1], "name") is not null, what: $"attachment port {ports[1]}");
        var attachmentIp = (await _h.GetIpAsync(ports[1]))!.Spec!;

        // A failed migration: both NICs bound on both chassis, then both pinned back.
        var m1 = await _w.CreateVmimAsync("m1", "vm3", MigrationPhases.Scheduling);
        await _w.CreateTargetPodAsync("vm3", "virt-launcher-vm3-1", "node-2", m1, networks);
        await WaitAllOptionsAsync(ports, "node-1,node-2", "rarp");

        // The target launcher gets the VM's IP and MAC on every NIC.
        var source = (await _h.GetPodAsync(MigrationWorld.Ns, "virt-launcher-vm3-src")).Metadata!.Annotations!;
        V1Pod? target = null;
        await AddressingHarness.WaitUntilAsync(
            async () => (target = await _h.GetPodAsync(MigrationWorld.Ns, "virt-launcher-vm3-1")).Metadata?.Annotations?.GetValueOrDefault($"{AttachmentProvider}.kubernetes.io/allocated") == "true"
                && target.Metadata.Annotations.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true",
            what: "target launcher allocated on both networks");
        foreach (var key in new[] { "ovn.kubernetes.io/ip_address", "ovn.kubernetes.io/mac_address", $"{AttachmentProvider}.kubernetes.io/ip_address", $"{AttachmentProvider}.kubernetes.io/mac_address" })
        {
            Assert.Equal(source[key], target!.Metadata!.Annotations![key]);
        }

        await _w.SetVmiAsync("vm3", "node-1", MigrationWorld.State(m1, "node-1", "node-2", failed: true));
        await _w.SetPhaseAsync("m1", MigrationPhases.Failed);
        await WaitAllOptionsAsync(ports, "node-1", null);

        await _h.Client.DeleteAsync<V1Pod>(MigrationWorld.Ns, "virt-launcher-vm3-1");

        // A successful one: both NICs end on the target, the attachment keeps its address.
        var m2 = await _w.CreateVmimAsync("m2", "vm3", MigrationPhases.Scheduling);
        await _w.CreateTargetPodAsync("vm3", "virt-launcher-vm3-2", "node-2", m2, networks);
        await WaitAllOptionsAsync(ports, "node-1,node-2", "rarp");

        await _w.SetVmiAsync("vm3", "node-2", MigrationWorld.State(m2, "node-1", "node-2", completed: true));
        await _w.SetPhaseAsync("m2", MigrationPhases.Succeeded);
        await WaitAllOptionsAsync(ports, "node-2", null);

        var after = (await _h.GetIpAsync(ports[1]))!.Spec!;
        Assert.Equal((attachmentIp.IpAddress, attachmentIp.MacAddress), (after.IpAddress, after.MacAddress));
    }

    private async Task WaitAllOptionsAsync(IEnumerable<string> ports, string chassis, string? strategy)
    {
        foreach (var port in ports)
        {
            await _w.WaitPortOptionsAsync(port, chassis, strategy);
        }
    }

    private async Task WaitIpNodeAsync(string vm, string node) =>
        await AddressingHarness.WaitUntilAsync(
            async () => (await _h.GetIpAsync(MigrationWorld.Port(vm)))?.Spec?.NodeName == node, TimeSpan.FromSeconds(15), $"IP CR {MigrationWorld.Port(vm)} nodeName {node}");
}
