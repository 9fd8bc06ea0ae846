using System.Collections.Concurrent;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Chart;

/// <summary>Runs `helm template` on charts/vmnet; one render per distinct set of values per test run.</summary>
public static class ChartTemplate
{
    public const string ReleaseName = "vmnet";

    public const string Namespace = "vmnet-system";

    private static readonly ConcurrentDictionary<string, Lazy<Task<RenderedChart>>> Renders = new(StringComparer.Ordinal);

    /// <summary>Renders with the chart's defaults plus <paramref name="set"/> (helm --set items, e.g. "network.encapType=vxlan").</summary>
    public static Task<RenderedChart> RenderAsync(params string[] set) => Render(null, set);

    /// <summary>Renders with <paramref name="valuesYaml"/> as a values file plus <paramref name="set"/>.</summary>
    public static Task<RenderedChart> RenderWithValuesAsync(string valuesYaml, params string[] set) => Render(valuesYaml, set);

    private static Task<RenderedChart> Render(string? valuesYaml, string[] set)
    {
        var key = (valuesYaml ?? "") + "\0" + string.Join('\0', set);
        return Renders.GetOrAdd(key, _ => new Lazy<Task<RenderedChart>>(() => RenderNowAsync(valuesYaml, set))).Value;
    }

    /// <summary>`helm template` as is, for tests that expect it to fail.</summary>
    public static async Task<CommandResult> RunAsync(string? valuesYaml, params string[] set)
    {
        using var values = valuesYaml is null ? null : new TemporaryValuesFile(valuesYaml);
        return await Helm.RunAsync(Arguments(values?.Path, set));
    }

    private static async Task<RenderedChart> RenderNowAsync(string? valuesYaml, string[] set)
    {
        var outcome = await RunAsync(valuesYaml, set);
        Assert.True(outcome.ExitCode == 0, $"helm template failed ({outcome.ExitCode}): {outcome.Stdout}{outcome.Stderr}");
        return RenderedChart.Parse(outcome.Stdout);
    }

    private static List<string> Arguments(string? valuesFile, string[] set)
    {
        List<string> args = ["template", ReleaseName, Helm.ChartDirectory, "--namespace", Namespace, "--include-crds"];
        if (valuesFile is not null)
        {
            args.AddRange(["--values", valuesFile]);
        }

        foreach (var item in set)
        {
            args.AddRange(["--set", item]);
        }

        return args;
    }
}
