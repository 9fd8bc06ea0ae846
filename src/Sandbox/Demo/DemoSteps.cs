using System.Diagnostics;
using System.Globalization;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// Runs the demo's steps in order, printing each as it starts and ends with its evidence, and stops at
/// the first failure. <see cref="SummaryLine"/> is what the e2e test checks.
/// </summary>
public sealed class DemoSteps(TextWriter output)
{
    public const string SummaryPrefix = "DEMO SUMMARY:";

    private readonly List<(string Name, bool Passed, TimeSpan Elapsed)> results = [];
    private readonly Stopwatch total = Stopwatch.StartNew();

    public int Passed => results.Count(r => r.Passed);

    public int Planned { get; set; }

    public string? FailedStep => results.FirstOrDefault(r => !r.Passed).Name;

    public bool Cancelled { get; private set; }

    /// <summary>Time since the demo started (the summary line's figure).</summary>
    public TimeSpan Elapsed => total.Elapsed;

    public bool AllPassed => results.Count == Planned && results.All(r => r.Passed);

    /// <summary>Runs one step; its return value is printed as evidence (indented). Failures are recorded and rethrown.</summary>
    public async Task RunAsync(string name, Func<CancellationToken, Task<string>> step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var number = (results.Count + 1).ToString(CultureInfo.InvariantCulture);
        output.WriteLine($"==> [{number}/{Planned}] {name} ...");
        output.Flush();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var evidence = await step(cancellationToken).ConfigureAwait(false);
            results.Add((name, true, stopwatch.Elapsed));
            foreach (var line in evidence.TrimEnd().Split('\n'))
            {
                output.WriteLine("    " + line.TrimEnd());
            }

            output.WriteLine($"    ok ({stopwatch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
        }
        catch (Exception ex)
        {
            results.Add((name, false, stopwatch.Elapsed));
            Cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
            output.WriteLine(Cancelled
                ? "    CANCELLED"
                : "    FAILED: " + ex.Message);
            throw;
        }
        finally
        {
            output.Flush();
        }
    }

    public string SummaryLine()
    {
        var seconds = total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var counts = string.Create(CultureInfo.InvariantCulture, $"{Passed}/{Planned} steps passed in {seconds} s");
        return AllPassed ? $"{SummaryPrefix} {counts}" : $"{SummaryPrefix} {counts}; {(Cancelled ? "CANCELLED" : "FAILED")} at '{FailedStep ?? "(not reached)"}'";
    }
}
