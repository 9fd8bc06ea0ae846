using System.Diagnostics;
using System.Globalization;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Rig;

namespace VmNet.Bench.Ovsdb;

/// <summary>
/// Creates 10,000 Logical_Switch_Ports on one switch in batches of 500, through our client and
/// through ovn-nbctl (one process per batch, commands chained with --), each against a fresh
/// ovsdb-server, and measures the cache memory per port.
/// </summary>
public sealed class OvsdbLspBenchmark : IBenchmark
{
    private const int Ports = 10_000;
    private const int Batch = 500;

    public string Name => "ovsdb";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "vmnet-bench-ovsdb-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var ours = await MeasureOursAsync(Path.Combine(root, "ours"), cancellationToken);
            var theirs = await MeasureNbctlAsync(Path.Combine(root, "nbctl"), cancellationToken);
            BenchReport.Figure("ovsdb_lsp_create_vmnet", Ports / ours.TotalSeconds, "ports/s");
            BenchReport.Figure("ovsdb_lsp_create_nbctl", Ports / theirs.TotalSeconds, "ports/s");
            BenchReport.Figure("ovsdb_lsp_create_ratio", theirs.TotalSeconds / ours.TotalSeconds, "x");
            BenchReport.Figure("ovsdb_cache_bytes_per_lsp", await MeasureCacheBytesPerPortAsync(Path.Combine(root, "empty"), cancellationToken), "bytes");
        }
        finally
        {
            await StopAllAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private readonly List<OvsdbServerProcess> _servers = [];

    private async Task<OvsdbServerProcess> StartAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var server = await OvsdbServerProcess.StartAsync(OvsdbServerOptions.ForNorthbound(directory), cancellationToken);
        _servers.Add(server);
        return server;
    }

    private async Task StopAllAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private static Task<OvsdbClient> ConnectAsync(OvsdbServerProcess server, CancellationToken cancellationToken) =>
        OvsdbClient.ConnectAsync(new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Unix(server.SocketPath)], Database = "OVN_Northbound" }, cancellationToken);

    private static string Mac(int i) => string.Create(CultureInfo.InvariantCulture, $"0a:00:00:{(i >> 16) & 0xff:x2}:{(i >> 8) & 0xff:x2}:{i & 0xff:x2}");

    private static string Ip(int i) => string.Create(CultureInfo.InvariantCulture, $"10.{(i >> 16) & 0xff}.{(i >> 8) & 0xff}.{i & 0xff}");

    private static string PortName(int i) => string.Create(CultureInfo.InvariantCulture, $"lsp-{i}");

    private async Task<TimeSpan> MeasureOursAsync(string directory, CancellationToken cancellationToken)
    {
        var server = await StartAsync(directory, cancellationToken);
        await using var client = await ConnectAsync(server, cancellationToken);
        var (_, switchOps) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = "bench" }, new Ownership("Subnet", "bench"));
        var switchUuid = (await client.TransactAsync(switchOps, cancellationToken)).InsertedUuid(0);

        var stopwatch = Stopwatch.StartNew();
        for (var start = 0; start < Ports; start += Batch)
        {
            var ports = Enumerable.Range(start, Batch).Select(i => (
                new LogicalSwitchPort { Name = PortName(i), Addresses = [$"{Mac(i)} {Ip(i)}"] },
                new Ownership("Pod", "default/" + PortName(i))));
            await client.TransactAsync(NorthboundOps.CreateLogicalSwitchPorts(switchUuid, ports), cancellationToken);
        }

        stopwatch.Stop();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (client.Cache.Count(LogicalSwitchPort.Table) != Ports && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, cancellationToken);
        }

        if (client.Cache.Count(LogicalSwitchPort.Table) != Ports)
        {
            throw new InvalidOperationException($"expected {Ports} ports in the cache, found {client.Cache.Count(LogicalSwitchPort.Table)}");
        }

        return stopwatch.Elapsed;
    }

    private async Task<TimeSpan> MeasureNbctlAsync(string directory, CancellationToken cancellationToken)
    {
        var server = await StartAsync(directory, cancellationToken);
        var db = "--db=" + server.UnixConnection;
        await CommandRunner.RunCheckedAsync("ovn-nbctl", [db, "ls-add", "bench", "--", "set", "Logical_Switch", "bench", "external_ids:vendor=vmnet"], cancellationToken: cancellationToken);

        var stopwatch = Stopwatch.StartNew();
        for (var start = 0; start < Ports; start += Batch)
        {
            var args = new List<string> { db };
            for (var i = start; i < start + Batch; i++)
            {
                var name = PortName(i);
                args.AddRange(["--", "lsp-add", "bench", name, "--", "lsp-set-addresses", name, $"{Mac(i)} {Ip(i)}",
                    "--", "set", "Logical_Switch_Port", name, "external_ids:vendor=vmnet", "external_ids:\"vmnet.io/owner-kind\"=Pod", $"external_ids:\"vmnet.io/owner\"=\"default/{name}\""]);
            }

            await CommandRunner.RunCheckedAsync("ovn-nbctl", args, TimeSpan.FromMinutes(2), cancellationToken: cancellationToken);
        }

        stopwatch.Stop();
        var count = (await CommandRunner.RunCheckedAsync("ovn-nbctl", [db, "--bare", "--columns=_uuid", "list", "Logical_Switch_Port"], cancellationToken: cancellationToken))
            .Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        if (count != Ports)
        {
            throw new InvalidOperationException($"ovn-nbctl created {count} ports, expected {Ports}");
        }

        return stopwatch.Elapsed;
    }

    /// <summary>
    /// Heap held by a client whose cache holds the 10,000 ports, minus that of a client on an empty
    /// database (schema, connection). Measured as the heap released by disposing the client, so
    /// buffers the runtime keeps pooled after parsing are not counted as cache.
    /// </summary>
    private async Task<double> MeasureCacheBytesPerPortAsync(string emptyDirectory, CancellationToken cancellationToken)
    {
        var loaded = _servers[0];
        var empty = await StartAsync(emptyDirectory, cancellationToken);
        var baseline = await HeapHeldByClientAsync(empty, cancellationToken);
        var full = await HeapHeldByClientAsync(loaded, cancellationToken);
        return (full - baseline) / (double)Ports;
    }

    private static async Task<long> HeapHeldByClientAsync(OvsdbServerProcess server, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var client = await ConnectAsync(server, cancellationToken);
        var rows = client.Cache.Count(LogicalSwitchPort.Table);
        if (rows == Ports)
        {
            BenchReport.Figure("ovsdb_cache_initial_load", rows / stopwatch.Elapsed.TotalSeconds, "rows/s");
        }

        var connected = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(client.Cache);
        await client.DisposeAsync();
        client = null;

        // Let the client's background loops finish so nothing still roots the cache.
        await Task.Delay(300, cancellationToken);
        var released = GC.GetTotalMemory(forceFullCollection: true);
        return connected - released;
    }
}
