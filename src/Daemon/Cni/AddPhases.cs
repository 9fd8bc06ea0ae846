using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace VmNet.Daemon.Cni;

/// <summary>Milliseconds spent in each step of one ADD, for the log line that tells where latency goes.</summary>
internal sealed class AddPhases(long startTimestamp)
{
    private readonly StringBuilder text = new();
    private long last = startTimestamp;

    public void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        text.Append(CultureInfo.InvariantCulture, $"{(text.Length == 0 ? "" : " ")}{phase} {Stopwatch.GetElapsedTime(last, now).TotalMilliseconds:F1}");
        last = now;
    }

    public override string ToString() => text.ToString();
}
