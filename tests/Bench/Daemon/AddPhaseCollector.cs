using System.Collections.Concurrent;
using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace VmNet.Bench.Daemon;

/// <summary>
/// Collects the per-phase timings the in-process daemon logs for each ADD (the <c>...Ms</c> fields of its
/// "ADD ..." line), keyed by pod, and prints the daemon's log lines when <paramref name="echo"/> is set.
/// </summary>
internal sealed class AddPhaseCollector(bool echo) : ILogEventSink
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, double>> byPod = new(StringComparer.Ordinal);

    public void Emit(LogEvent logEvent)
    {
        if (echo)
        {
            Console.WriteLine("daemon: " + logEvent.RenderMessage(CultureInfo.InvariantCulture));
        }

        if (!logEvent.Properties.ContainsKey("TotalMs") || logEvent.Properties.GetValueOrDefault("Pod") is not ScalarValue { Value: string pod })
        {
            return;
        }

        byPod[pod] = logEvent.Properties
            .Where(p => p.Key.EndsWith("Ms", StringComparison.Ordinal) && p.Value is ScalarValue { Value: double })
            .ToDictionary(p => p.Key, p => (double)((ScalarValue)p.Value).Value!, StringComparer.Ordinal);
    }

    /// <summary>The phases of the ADD of <paramref name="pod"/>; throws when the daemon logged none (the figures would lie).</summary>
    public IReadOnlyDictionary<string, double> For(string pod) =>
        byPod.TryGetValue(pod, out var phases) ? phases : throw new InvalidOperationException($"the daemon logged no ADD timings for pod {pod}");
}
