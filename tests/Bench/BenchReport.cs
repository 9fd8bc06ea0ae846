using System.Globalization;

namespace VmNet.Bench;

/// <summary>Prints figures in the one format runs are compared by.</summary>
public static class BenchReport
{
    public static void Figure(string name, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {name} {value:0.###} {unit}"));
}
