using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Rig;

public sealed class OvsdbServerProcessTests : IAsyncLifetime
{
    private readonly string dir = RigRunId.New().DefaultDirectory;

    // The manifest lets RigJanitor clean up servers left by a crashed test run.
    private RigManifest manifest = null!;

    public Task InitializeAsync()
    {
        manifest = RigManifest.Create(dir);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task StartsWithUnixAndTcpAndServesTheSchema()
    {
        await using var server = await StartRecordedAsync(OvsdbServerOptions.ForNorthbound(dir, listenTcp: true));

        Assert.True(server.IsRunning);
        Assert.True(File.Exists(server.DatabasePath));
        Assert.NotNull(server.TcpPort);
        Assert.NotEqual(0, server.TcpPort);
        foreach (var connection in new[] { server.UnixConnection, server.TcpConnection! })
        {
            var dbs = await CommandRunner.RunCheckedAsync("ovsdb-client", ["list-dbs", connection]);
            Assert.Contains("OVN_Northbound", dbs.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WithoutTcpHasNoPort()
    {
        await using var server = await StartRecordedAsync(OvsdbServerOptions.ForOpenVSwitch(dir));

        Assert.Null(server.TcpPort);
        Assert.Null(server.TcpConnection);
        Assert.Empty(ListeningSockets.TcpPorts(server.Pid));
    }

    [Fact]
    public async Task KillThenRestartKeepsDataSocketAndPort()
    {
        await using var server = await StartRecordedAsync(OvsdbServerOptions.ForNorthbound(dir, listenTcp: true));
        await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + server.UnixConnection, "ls-add", "survivor"]);
        var oldPid = server.Pid;
        var oldPort = server.TcpPort;

        await server.KillAsync();
        Assert.False(ProcessSignals.IsAlive(oldPid));
        await server.RestartAsync();

        Assert.NotEqual(oldPid, server.Pid);
        Assert.Contains((server.Pid, "ovsdb-server"), RigManifest.ReadPids(dir));
        Assert.Equal(oldPort, server.TcpPort);
        foreach (var connection in new[] { server.UnixConnection, server.TcpConnection! })
        {
            var list = await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + connection, "ls-list"]);
            Assert.Contains("survivor", list.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RestartPicksNewPortWhenOldOneWasTaken()
    {
        await using var server = await StartRecordedAsync(OvsdbServerOptions.ForSouthbound(dir, listenTcp: true));
        var oldPort = server.TcpPort!.Value;
        await server.StopAsync();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, oldPort);
        squatter.Start();

        await server.RestartAsync();

        Assert.NotEqual(oldPort, server.TcpPort);
        var dbs = await CommandRunner.RunCheckedAsync("ovsdb-client", ["list-dbs", server.TcpConnection!]);
        Assert.Contains("OVN_Southbound", dbs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAndDisposeLeaveNoProcess()
    {
        var server = await StartRecordedAsync(OvsdbServerOptions.ForNorthbound(dir));
        var pid = server.Pid;
        Assert.Equal("ovsdb-server", ProcessSignals.CommandName(pid));

        await server.DisposeAsync();

        Assert.False(ProcessSignals.IsAlive(pid));
        Assert.False(server.IsRunning);
    }

    [Fact]
    public async Task SocketPathBeyondSunPathLimitIsRejected()
    {
        var deep = Path.Combine(dir, new string('d', 120));
        var ex = await Assert.ThrowsAsync<RigException>(() => OvsdbServerProcess.StartAsync(OvsdbServerOptions.ForNorthbound(deep)));
        Assert.Contains("sun_path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingSchemaFailsWithItsPath()
    {
        var ex = await Assert.ThrowsAsync<RigException>(() => OvsdbServerProcess.StartAsync(
            new OvsdbServerOptions { SchemaPath = "/nonexistent/x.ovsschema", Directory = dir }));
        Assert.Contains("/nonexistent/x.ovsschema", ex.Message, StringComparison.Ordinal);
    }

    private async Task<OvsdbServerProcess> StartRecordedAsync(OvsdbServerOptions options)
    {
        var server = await OvsdbServerProcess.StartAsync(options with { Manifest = manifest });
        Assert.Contains((server.Pid, "ovsdb-server"), RigManifest.ReadPids(manifest.Directory));
        return server;
    }
}
