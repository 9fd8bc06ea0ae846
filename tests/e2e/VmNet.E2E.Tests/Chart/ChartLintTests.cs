namespace VmNet.E2E.Chart;

/// <summary>`helm lint --strict` (warnings fail) on the chart's defaults and on values that change every setting.</summary>
public sealed class ChartLintTests
{
    [Fact]
    public async Task LintPassesWithDefaults()
    {
        var lint = await Helm.RunAsync(["lint", "--strict", Helm.ChartDirectory, "--namespace", ChartTemplate.Namespace]);
        Assert.True(lint.ExitCode == 0, lint.Stdout + lint.Stderr);
        Assert.Contains("0 chart(s) failed", lint.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LintPassesWithEverySettingOverridden()
    {
        using var values = new TemporaryValuesFile(ChartOverrides.Yaml);
        var lint = await Helm.RunAsync(["lint", "--strict", Helm.ChartDirectory, "--namespace", ChartTemplate.Namespace, "--values", values.Path]);
        Assert.True(lint.ExitCode == 0, lint.Stdout + lint.Stderr);
        Assert.Contains("0 chart(s) failed", lint.Stdout, StringComparison.Ordinal);
    }
}
