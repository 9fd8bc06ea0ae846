using System.Diagnostics;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Whether ovn-controller has installed the activation-strategy block of a migration target's port: the drop flow
/// for the port in table 0 (<c>setup_rarp_activation_strategy</c>, priority 1000, installed with its twin that drops
/// traffic toward the port). Seeing the Southbound list the chassis is not enough: ovn-controller installs the block
/// only after it processed that update, and the stack e2e saw a segment slip through in that gap (1 of 10 runs).
/// OpenFlow tables are not in OVSDB, so this asks ovs-vswitchd through <c>ovs-ofctl</c> on the bridge's mgmt socket.
/// </summary>
public static class ActivationBlockProbe
{
    /// <summary>ovs-vswitchd's mgmt socket of <paramref name="bridge"/>: beside the OVSDB socket (same OVS_RUNDIR).</summary>
    public static string MgmtSocket(string ovsDatabase, string bridge)
    {
        ArgumentException.ThrowIfNullOrEmpty(ovsDatabase);
        var path = ovsDatabase.StartsWith("unix:", StringComparison.Ordinal) ? ovsDatabase["unix:".Length..] : "/var/run/openvswitch/db.sock";
        return Path.Combine(Path.GetDirectoryName(path) ?? "/var/run/openvswitch", bridge + ".mgmt");
    }

    /// <summary>Polls until the block is installed; the caller bounds it with the token.</summary>
    public static async Task WaitInstalledAsync(string mgmtSocket, long ofport, CancellationToken cancellationToken)
    {
        while (!IsBlock(await DumpAsync(mgmtSocket, ofport, cancellationToken).ConfigureAwait(false)))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when the dump of table 0 for the port holds the priority-1000 drop.</summary>
    public static bool IsBlock(string dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        return dump.Split('\n').Any(l => l.Contains("priority=1000,", StringComparison.Ordinal) && l.TrimEnd().EndsWith("actions=drop", StringComparison.Ordinal));
    }

    private static async Task<string> DumpAsync(string mgmtSocket, long ofport, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ovs-ofctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--no-stats", "dump-flows", "unix:" + mgmtSocket, $"table=0,in_port={ofport}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ovs-ofctl did not start");
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0
                ? await output.ConfigureAwait(false)
                : throw new InvalidOperationException($"ovs-ofctl dump-flows {mgmtSocket} table=0,in_port={ofport} failed: {(await error.ConfigureAwait(false)).Trim()}");
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
    }
}
