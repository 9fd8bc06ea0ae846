using System.Globalization;
using VmNet.E2E.Rig;
using VmNet.Sandbox.Qemu;
using Xunit.Abstractions;

namespace VmNet.E2E.Migration;

/// <summary>
/// The managed-tap binding (tap straight on br-int, vnet_hdr=off): TCP through the userspace datapath
/// works before and across a multi-chassis migration there and back.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ManagedTapMigrationTests(ManagedTapQemuMigrationFixture fixture, ITestOutputHelper output) : IClassFixture<ManagedTapQemuMigrationFixture>
{
    private const string Ip = QemuMigrationFixture.VmIp;

    [Fact]
    public async Task ManagedTapVmMigratesThereAndBackWithTcpIntact()
    {
        var vm = fixture.Vm;
        Assert.Contains(",vnet_hdr=off", string.Join(' ', vm.Current.Arguments), StringComparison.Ordinal);
        var before = await GuestNetInfo.QueryAsync(fixture.Pod2.Netns, Ip);
        await using var connection = await TcpEchoProbe.StartAsync(fixture.Pod1.Netns, Ip, GuestImage.EchoPort);
        var home = vm.Node;
        var away = home.Name == fixture.Node1.Name ? fixture.Node2 : fixture.Node1;
        foreach (var target in new[] { away, home })
        {
            var report = await vm.MigrateToAsync(target, new MultiChassisSwitchover(), new MigrationOptions());
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"mtap {report.SourceNode}->{report.TargetNode}: {report.Qemu.Status}, downtime {report.Qemu.Downtime?.TotalMilliseconds} ms, RESUME->first delivered {report.ResumeToFirstDelivered?.TotalMilliseconds:0.0} ms"));
            Assert.True(report.Qemu.Completed, $"migration to {target.Name} ended '{report.Qemu.Status}': {report.Qemu.Error}");
            Assert.Equal(target.Name, vm.Node.Name);
            Assert.Equal(vm.Node.Netns, vm.Current.Attachment.QemuNetns);
            await MigrationAssert.BoundToAsync(fixture.Central, QemuMigrationFixture.VmPort, target.Name);
            await MigrationAssert.EventuallyPingsAsync(fixture.Pod1, Ip, TimeSpan.FromSeconds(10));
            await MigrationAssert.EventuallyPingsAsync(fixture.Pod2, Ip, TimeSpan.FromSeconds(10));
        }

        var tcp = await connection.StopAsync();
        Assert.True(tcp.Alive && tcp.Intact && tcp.BytesEchoed > 0, $"TCP over the managed tap: {tcp}");
        var after = await GuestNetInfo.QueryAsync(fixture.Pod2.Netns, Ip);
        Assert.Equal(before with { UptimeSeconds = after.UptimeSeconds }, after);
    }
}
