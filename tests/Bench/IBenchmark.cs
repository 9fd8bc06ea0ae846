namespace VmNet.Bench;

/// <summary>
/// One benchmark of `make bench`. It measures VmNet and its peer side by side in the same run and
/// reports each figure through <see cref="BenchReport.Figure"/> as a `BENCH name value unit` line.
/// </summary>
public interface IBenchmark
{
    /// <summary>Short name used to select it: `make bench BENCH=name`.</summary>
    string Name { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
