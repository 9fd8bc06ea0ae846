using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.E2E.Rig;

public sealed class OvnCentralFixtureTests(OvnCentralFixture fixture) : IClassFixture<OvnCentralFixture>
{
    [Fact]
    public async Task NorthboundAndSouthboundAnswerOnUnixAndTcp()
    {
        foreach (var (connection, db) in new[]
        {
            (fixture.NorthboundUnix, "OVN_Northbound"), (fixture.NorthboundTcp, "OVN_Northbound"),
            (fixture.SouthboundUnix, "OVN_Southbound"), (fixture.SouthboundTcp, "OVN_Southbound"),
        })
        {
            var dbs = await CommandRunner.RunCheckedAsync("ovsdb-client", ["list-dbs", connection]);
            Assert.Contains(db, dbs.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NorthdTranslatesALogicalSwitchIntoASouthboundDatapath()
    {
        await fixture.Central.NbctlAsync(["ls-add", "fixture-ls"]);
        await OvnWaits.SyncHypervisorsAsync(fixture.Central, TimeSpan.FromSeconds(10), () => fixture.Central.Northd.ReadLogTail(), CancellationToken.None);

        var datapaths = await fixture.Central.SbctlAsync(["--bare", "--columns=external_ids", "list", "Datapath_Binding"]);
        Assert.Contains("name=fixture-ls", datapaths.Stdout, StringComparison.Ordinal);
    }
}

public sealed class OvsdbServerFixtureTests(NorthboundOvsdbFixture fixture) : IClassFixture<NorthboundOvsdbFixture>
{
    [Fact]
    public async Task DataSurvivesCrashAndRestart()
    {
        await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + fixture.TcpConnection, "ls-add", "before-crash"]);
        var port = fixture.Server.TcpPort;

        await fixture.CrashAndRestartAsync();

        Assert.Equal(port, fixture.Server.TcpPort);
        var list = await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + fixture.UnixConnection, "ls-list"]);
        Assert.Contains("before-crash", list.Stdout, StringComparison.Ordinal);
    }
}
