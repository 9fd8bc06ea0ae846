using System.Text.Json.Nodes;
using VmNet.Controller.Migrations;
using VmNet.Controller.Tests.Addressing;
using VmNet.Controller.Tests.Attachments;
using VmNet.Controller.Tests.Migrations;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;
using VmNet.Multus;

namespace VmNet.Controller.Tests.Dpdk;

/// <summary>
/// The controller decides the activation strategy per NIC: a VM with a tap NIC (default network) and a vhost-user
/// NIC (a NAD with vhost_user_* keys) migrates; both ports get two chassis, only the tap one is RARP-gated, since
/// QEMU sends no RARP for a vhost-user NIC whose guest negotiated GUEST_ANNOUNCE.
/// </summary>
public sealed class VhostUserMigrationControllerTests : IAsyncLifetime
{
    private const string Ns = "default";
    private const string DpdkNad = """{"cniVersion":"1.0.0","type":"kube-ovn","server_socket":"/run/openvswitch/kube-ovn-daemon.sock","provider":"dpdk.default.ovn","vhost_user_socket_volume_name":"vhostuser-sockets","vhost_user_socket_name":"sock"}""";
    private const string TapPort = "vm1.default";
    private const string VhostUserPort = "vm1.default.dpdk.default.ovn";
    private AttachmentHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AttachmentHarness.StartAsync(new MigrationModule(TimeSpan.FromSeconds(30), ActivationStrategyPolicy.Default));
        await _h.Client.CreateAsync(AttachmentHarness.Subnet("dpdk-sub", "10.110.0.0/24", "dpdk.default.ovn"));
        await _h.Client.CreateAsync(AttachmentHarness.Nad(Ns, "dpdk", DpdkNad));
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task VhostUserNicIsBoundToBothChassisWithoutRarpGatingAndTheTapNicWithIt()
    {
        var template = new Dictionary<string, string> { [MultusAnnotations.Networks] = "dpdk" };
        await _h.Client.CreateAsync(KubeTestObjects.Vm(Ns, "vm1", template));
        await _h.StartVmAsync(Ns, "vm1", "virt-launcher-vm1-src", template);
        await _h.WaitAllocatedAsync(Ns, "virt-launcher-vm1-src", "ovn", "dpdk.default.ovn");
        await AddressingHarness.WaitUntilAsync(async () => await _h.LspColumnAsync(VhostUserPort, "name") is not null, TimeSpan.FromSeconds(15), "vhost-user LSP");
        await SetVmiAsync("node-1", null);

        var vmim = await _h.Client.CreateAsync(new V1VirtualMachineInstanceMigration
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstanceMigration",
            Metadata = new V1ObjectMeta { Name = "m1", Namespace = Ns },
            Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = "vm1" },
        });
        await SetPhaseAsync(MigrationPhases.Scheduling);
        var vmi = await _h.Client.GetAsync<V1VirtualMachineInstance>(Ns, "vm1");
        var target = KubeTestObjects.Launcher(Ns, "vm1", "virt-launcher-vm1-tgt", "node-2", new Dictionary<string, string>(template) { [MigrationFinder.MigrationJobNameAnnotation] = "m1" }, vmi.Metadata!.Uid);
        target.Metadata!.Labels = new Dictionary<string, string> { [MigrationFinder.MigrationJobUidLabel] = vmim.Metadata!.Uid! };
        await _h.Client.CreateAsync(target);
        await SetVmiAsync("node-1", MigrationWorld.State(vmim, "node-1", "node-2"));
        await SetPhaseAsync(MigrationPhases.Running);
        await WaitOptionsAsync(TapPort, "node-1,node-2", "rarp");
        await WaitOptionsAsync(VhostUserPort, "node-1,node-2", null);

        await SetVmiAsync("node-2", MigrationWorld.State(vmim, "node-1", "node-2", completed: true));
        await SetPhaseAsync(MigrationPhases.Succeeded);
        await WaitOptionsAsync(TapPort, "node-2", null);
        await WaitOptionsAsync(VhostUserPort, "node-2", null);
    }

    private Task SetPhaseAsync(string phase) =>
        _h.Client.PatchStatusAsync<V1VirtualMachineInstanceMigration>(Ns, "m1", KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }));

    private Task SetVmiAsync(string node, JsonObject? migrationState) =>
        _h.Client.PatchStatusAsync<V1VirtualMachineInstance>(Ns, "vm1", KubePatch.Merge(new JsonObject
        {
            ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node, ["migrationState"] = migrationState },
        }));

    private async Task WaitOptionsAsync(string port, string? chassis, string? strategy)
    {
        (string?, string?) last = default;
        try
        {
            await AddressingHarness.WaitUntilAsync(
                async () => (last = ((await _h.LspColumnAsync(port, "options:requested-chassis"))?.Trim('"'), (await _h.LspColumnAsync(port, "options:activation-strategy"))?.Trim('"'))) == (chassis, strategy),
                TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{port}: want requested-chassis={chassis} activation-strategy={strategy}, have {last}");
        }
    }
}
