using System.Net.Security;
using Microsoft.Extensions.Logging;
using VmNet.Ovsdb.Wire;

namespace VmNet.Ovsdb.Client;

/// <summary>Settings of a reconnecting, caching <see cref="OvsdbClient"/>.</summary>
public sealed class OvsdbClientOptions
{
    /// <summary>Servers to try in turn, e.g. <c>unix:/run/ovn/ovnnb_db.sock</c>, <c>tcp:10.0.0.1:6641</c>, <c>ssl:host:6641</c>.</summary>
    public required IReadOnlyList<OvsdbEndpoint> Endpoints { get; init; }

    /// <summary>Database to monitor and transact on, e.g. <c>OVN_Northbound</c> or <c>Open_vSwitch</c>.</summary>
    public required string Database { get; init; }

    /// <summary>Tables to monitor into the cache (all columns); null monitors every table.</summary>
    public IReadOnlyList<string>? Tables { get; init; }

    /// <summary>TLS settings for <c>ssl:</c> endpoints (client certificate, server validation).</summary>
    public SslClientAuthenticationOptions? Ssl { get; init; }

    /// <summary>Idle time after which we send our own echo; no reply within the same time drops the connection.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Keep retrying the first connection with the reconnect backoff (e.g. a controller starting before OVN central).</summary>
    public bool RetryInitialConnection { get; init; }

    /// <summary>Use monitor_cond_since (resume from the last transaction id) when the server has it.</summary>
    public bool PreferMonitorCondSince { get; init; } = true;

    /// <summary>
    /// For a clustered database, use only the cluster leader (as ovsdb-idl's leader_only, its default): a follower
    /// is left for the next endpoint, and a session whose server loses leadership is dropped and re-established.
    /// </summary>
    public bool LeaderOnly { get; init; } = true;

    /// <summary>
    /// With a single endpoint, how long a server that is not yet usable (a clustered one still rejoining or
    /// replaying its log) may take before the attempt fails and the backoff starts.
    /// </summary>
    public TimeSpan ServerReadyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public ILogger? Logger { get; init; }

    /// <summary>Parses a comma-separated OVS remote list such as <c>tcp:a:6641,tcp:b:6641</c>.</summary>
    public static IReadOnlyList<OvsdbEndpoint> ParseRemotes(string remotes) =>
        remotes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(OvsdbEndpoint.Parse).ToArray();
}
