using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The TCP counters of one launcher's own network namespace (<c>/proc/net/snmp</c> is per netns): TCP segments its
/// kernel took as addressed to itself, and the RSTs it sent. A migration target's launcher holds no connection of
/// its own, so a segment or RST there is the VM's traffic answered by the wrong kernel.
/// </summary>
public sealed record LauncherTcpCounters(long InSegs, long OutRsts)
{
    public static async Task<LauncherTcpCounters> ReadAsync(string netns, CancellationToken cancellationToken)
    {
        var snmp = await NetworkNamespace.ExecAsync(netns, "cat", ["/proc/net/snmp"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return Parse(snmp.Stdout) ?? throw new QemuException($"netns {netns}: no Tcp counters in /proc/net/snmp (exit {snmp.ExitCode}): {snmp.Stderr.Trim()}");
    }

    /// <summary>The two values from the <c>Tcp:</c> header and value lines; null when they are not there.</summary>
    public static LauncherTcpCounters? Parse(string snmp)
    {
        ArgumentNullException.ThrowIfNull(snmp);
        var tcp = snmp.Split('\n').Where(l => l.StartsWith("Tcp:", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (tcp.Count < 2 || tcp[0].Length != tcp[1].Length)
        {
            return null;
        }

        long Value(string name) => Array.IndexOf(tcp[0], name) is var i and > 0 ? long.Parse(tcp[1][i], CultureInfo.InvariantCulture) : -1;
        return new LauncherTcpCounters(Value("InSegs"), Value("OutRsts"));
    }

    public override string ToString() => $"TCP segments in {InSegs}, RSTs out {OutRsts}";
}
