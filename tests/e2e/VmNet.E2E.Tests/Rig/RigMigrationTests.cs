using System.Globalization;
using VmNet.Sandbox.Rig;
using Xunit.Abstractions;

namespace VmNet.E2E.Rig;

/// <summary>
/// KubeVirt live migration as Kube-OVN drives it on OVN 23.03 (scenario A of the reference rig's
/// test-migrate.sh): multi-chassis binding with activation-strategy=rarp, the target blocked until its RARP.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class RigMigrationTests(GeneveKubeOvnRigFixture fixture, ITestOutputHelper output) : IClassFixture<GeneveKubeOvnRigFixture>
{
    private const string Vm = "vm1";
    private const string VmMac = "0a:00:00:10:00:15";
    private const string VmIp = "10.16.0.21";

    [Fact]
    public async Task RarpActivatesTheMigrationTarget()
    {
        var rig = fixture.Rig;
        await rig.Central.NbctlAsync(
            ["lsp-add", KubeOvnTopology.Switch, Vm, "--", "lsp-set-addresses", Vm, VmMac + " " + VmIp, "--", "lsp-set-options", Vm, "requested-chassis=node1"]);
        var source = await rig.AddPodAsync(fixture.Node1, rig.PodOptions("vmsrc", Vm, VmMac, VmIp + "/16", KubeOvnTopology.Gateway));
        await rig.SyncHypervisorsAsync();
        await AssertEventuallyPingsAsync(fixture.Pod2, VmIp);

        // What Kube-OVN does when the target virt-launcher pod appears (lsp-set-options replaces the whole map).
        await rig.Central.NbctlAsync(["lsp-set-options", Vm, "requested-chassis=node1,node2", "activation-strategy=rarp"]);
        var target = await rig.AddPodAsync(fixture.Node2, rig.PodOptions("vmdst", Vm, VmMac, VmIp + "/16", KubeOvnTopology.Gateway));
        await rig.SyncHypervisorsAsync();
        var blocked = await target.PingAsync(KubeOvnTopology.Gateway, 2);
        Assert.False(blocked.Succeeded, "the migration target must be blocked before its RARP:\n" + blocked.Stdout);

        // pod1 pings the VM every 10 ms across the switchover (source paused, target announces itself).
        var probe = fixture.Pod1.ExecAsync("ping", ["-D", "-i", "0.01", "-w", "3", "-W", "1", VmIp], TimeSpan.FromSeconds(10));
        await Task.Delay(1000);
        await source.SetLinkAsync(up: false);
        await target.SendRarpAsync();
        var rarpSent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        await WaitActivatedAsync(rig, "node2");
        var replies = ReplyTimes((await probe).Stdout);
        Assert.Contains(replies, t => t > rarpSent);
        var maxGap = replies.Zip(replies.Skip(1), (a, b) => b - a).Max();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH rig_migration_ping_max_gap {maxGap * 1000:0} ms"));
        await AssertEventuallyPingsAsync(target, KubeOvnTopology.Gateway);

        // Kube-OVN after success: the target alone, strategy dropped; then the source port goes away.
        await rig.Central.NbctlAsync(["--wait=hv", "lsp-set-options", Vm, "requested-chassis=node2"]);
        await rig.RemovePodAsync(source);
        await AssertEventuallyPingsAsync(fixture.Pod1, VmIp);
        var chassis = await rig.Central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + Vm]);
        var node2Uuid = await rig.Central.SbctlAsync(["--bare", "--columns=_uuid", "find", "Chassis", "name=node2"]);
        Assert.Equal(node2Uuid.Stdout.Trim(), chassis.Stdout.Trim());
    }

    // "ping -D" prefixes each reply with [unix time]: "[1700000000.123456] 64 bytes from ...".
    private static List<double> ReplyTimes(string pingOutput) =>
        pingOutput.Split('\n')
            .Where(l => l.StartsWith('[') && l.Contains("bytes from", StringComparison.Ordinal))
            .Select(l => double.Parse(l[1..l.IndexOf(']', StringComparison.Ordinal)], CultureInfo.InvariantCulture))
            .ToList();

    private static async Task WaitActivatedAsync(Sandbox.Rig.Rig rig, string chassis)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var options = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            options = (await rig.Central.SbctlAsync(["--bare", "--columns=options", "find", "Port_Binding", "logical_port=" + Vm])).Stdout;
            if (options.Contains("additional-chassis-activated=" + chassis, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"Port_Binding {Vm} never got additional-chassis-activated={chassis}; options: {options}\n{rig.Diagnostics()}");
    }

    private async Task AssertEventuallyPingsAsync(TestPod from, string target)
    {
        CommandResult? last = null;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            last = await from.PingAsync(target, 1);
            if (last.Succeeded)
            {
                return;
            }
        }

        Assert.Fail($"{from.Name} cannot reach {target}: {last?.Stdout}{last?.Stderr}\n{fixture.Rig.Diagnostics()}");
    }
}
