using System.Diagnostics;

namespace VmNet.Daemon.Cni;

/// <summary>
/// Milliseconds spent in each step of one ADD, logged as structured fields (<c>AnnotationsMs</c>, ...)
/// so the log, and the CNI ADD benchmark reading it, tell where the latency goes. A phase that did not
/// run stays 0; phases that overlap another step count only the time the ADD was still waiting on them.
/// </summary>
internal sealed class AddPhases(long startTimestamp)
{
    private readonly long start = startTimestamp;
    private long last = startTimestamp;

    /// <summary>Waiting for the controller's allocation annotations (0 when they were already there, bar the read).</summary>
    public double AnnotationsMs { get; set; }

    /// <summary>Removing a stale port/VF of an earlier ADD of the same container.</summary>
    public double StalePortMs { get; set; }

    /// <summary>The pod interface created in the pod's netns on a pre-plugged port's holding end and up (0 for a port plugged by the ADD).</summary>
    public double AttachMs { get; set; }

    /// <summary>veth (or VF) creation and the pod side's netns configuration: addresses, routes.</summary>
    public double NetnsMs { get; set; }

    /// <summary>The OVSDB transaction plugging the port into br-int (or adopting a pre-plugged one).</summary>
    public double PlugMs { get; set; }

    /// <summary>Waiting for ovn-controller's <c>ovn-installed</c> after the steps above were done.</summary>
    public double OvnInstalledMs { get; set; }

    /// <summary>The gateway check from inside the pod.</summary>
    public double GatewayMs { get; set; }

    public double TotalMs => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    /// <summary>When the ADD started, in microseconds of CLOCK_MONOTONIC (what <see cref="Stopwatch"/> reads on Linux), so a caller's own timestamps place it.</summary>
    public long StartedMonotonicUs => (long)(start * (1_000_000.0 / Stopwatch.Frequency));

    /// <summary>Milliseconds since the previous lap (or the start).</summary>
    public double Lap()
    {
        var now = Stopwatch.GetTimestamp();
        var ms = Stopwatch.GetElapsedTime(last, now).TotalMilliseconds;
        last = now;
        return ms;
    }
}
