using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Rig;

namespace VmNet.Tests.Ovsdb.Support;

/// <summary>A fresh real ovsdb-server (NB or Open_vSwitch) in its own temp directory, stopped by PID and removed on dispose.</summary>
internal sealed class TestOvsdbServer : IAsyncDisposable
{
    private TestOvsdbServer(OvsdbServerProcess process, string directory, string database)
    {
        Process = process;
        Directory = directory;
        Database = database;
    }

    public OvsdbServerProcess Process { get; }

    public string Directory { get; }

    public string Database { get; }

    public OvsdbEndpoint Unix => OvsdbEndpoint.Unix(Process.SocketPath);

    public OvsdbEndpoint Tcp => OvsdbEndpoint.Parse(Process.TcpConnection ?? throw new InvalidOperationException("server has no TCP remote"));

    public static Task<TestOvsdbServer> StartNorthboundAsync() =>
        StartAsync(dir => Task.FromResult(OvsdbServerOptions.ForNorthbound(dir, listenTcp: true)), "OVN_Northbound");

    /// <summary>A single-node clustered NB database: it keeps transaction history, so monitor_cond_since can resume.</summary>
    public static Task<TestOvsdbServer> StartClusteredNorthboundAsync() =>
        StartAsync(
            async dir =>
            {
                var options = OvsdbServerOptions.ForNorthbound(dir, listenTcp: true);
                await CommandRunner.RunCheckedAsync("ovsdb-tool", ["create-cluster", Path.Combine(dir, options.Name + ".db"), options.SchemaPath, "unix:" + Path.Combine(dir, "raft.sock")]);
                return options;
            },
            "OVN_Northbound");

    /// <summary>A second member of <paramref name="existing"/>'s clustered NB database, started and waited for until it has joined.</summary>
    public static async Task<TestOvsdbServer> JoinClusterAsync(TestOvsdbServer existing)
    {
        var member = await StartAsync(
            async dir =>
            {
                var options = OvsdbServerOptions.ForNorthbound(dir, listenTcp: true);
                await CommandRunner.RunCheckedAsync("ovsdb-tool", [
                    "join-cluster", Path.Combine(dir, options.Name + ".db"), "OVN_Northbound",
                    "unix:" + Path.Combine(dir, "raft.sock"), "unix:" + Path.Combine(existing.Directory, "raft.sock")]);
                return options;
            },
            "OVN_Northbound");
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (!(await member.Process.AppctlAsync(["cluster/status", "OVN_Northbound"])).Stdout.Contains("Status: cluster member", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for the new member to join the cluster");
            }

            await Task.Delay(20);
        }

        return member;
    }

    public static Task<TestOvsdbServer> StartOpenVSwitchAsync() =>
        StartAsync(dir => Task.FromResult(OvsdbServerOptions.ForOpenVSwitch(dir, listenTcp: true)), "Open_vSwitch");

    public Task<OvsdbClient> ConnectAsync(OvsdbEndpoint? endpoint = null, IReadOnlyList<string>? tables = null) =>
        OvsdbClient.ConnectAsync(
            new OvsdbClientOptions
            {
                Endpoints = [endpoint ?? Unix],
                Database = Database,
                Tables = tables,
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            },
            Timeouts.Token());

    /// <summary>Runs ovn-nbctl (an independent client) against this server and returns its trimmed stdout.</summary>
    public async Task<string> NbctlAsync(params string[] args)
    {
        var result = await CommandRunner.RunCheckedAsync("ovn-nbctl", new[] { "--db=" + Process.UnixConnection, "--no-leader-only" }.Concat(args), TimeSpan.FromSeconds(30));
        return result.Stdout.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<TestOvsdbServer> StartAsync(Func<string, Task<OvsdbServerOptions>> options, string database)
    {
        var directory = Path.Combine(Path.GetTempPath(), "vmnet-ovsdb-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        var process = await OvsdbServerProcess.StartAsync(await options(directory));
        return new TestOvsdbServer(process, directory, database);
    }
}

/// <summary>Every test wait is bounded so a bug fails the test instead of hanging it.</summary>
internal static class Timeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    public static CancellationToken Token(TimeSpan? timeout = null) => new CancellationTokenSource(timeout ?? Default).Token;

    /// <summary>Polls until the condition holds or the timeout passes.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(20);
        }
    }
}
