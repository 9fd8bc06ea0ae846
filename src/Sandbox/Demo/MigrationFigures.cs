using System.Globalization;

namespace VmNet.Sandbox.Demo;

/// <summary>What a demo migration measured: the pinger's longest gap and, with QEMU, QEMU's own figures.</summary>
public sealed record MigrationFigures(TimeSpan PingGap, TimeSpan? ResumeToFirstPacket, TimeSpan? QemuDowntime, TimeSpan? PausedTime, TimeSpan MigrationTime)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"MIGRATION GAP: ping {PingGap.TotalMilliseconds:0} ms, RESUME->first packet {(ResumeToFirstPacket is { } r ? r.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms" : "n/a")}");
}
