namespace VmNet.Bench.Migration;

/// <summary>Nearest-rank percentiles (no interpolation: every reported value was actually measured).</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
