using System.Text.RegularExpressions;
using VmNet.Sandbox.Demo;

namespace VmNet.E2E.Demo;

/// <summary>`make demo` end to end: the real executable on real OVN/OVS, judged by what it prints.</summary>
public sealed partial class DemoTests : IDisposable
{
    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), "vmnet-demo-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task DemoRunsEveryStepAndLeavesNothingBehind()
    {
        var netnsBefore = await ListNetnsAsync();

        var (exitCode, stdout, stderr) = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(3), "demo");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        var summary = SummaryLine().Match(stdout);
        Assert.True(summary.Success, "no summary line in:\n" + stdout);
        Assert.Equal(summary.Groups["total"].Value, summary.Groups["passed"].Value);
        Assert.DoesNotContain("FAILED", stdout, StringComparison.Ordinal);
        Assert.Contains("switch ", stdout, StringComparison.Ordinal);
        Assert.Contains("port vm-a", stdout, StringComparison.Ordinal);
        Assert.Contains(" 0 received, 100% packet loss", stdout, StringComparison.Ordinal);
        Assert.Contains("vm-fixed: pod virt-launcher-vm-fixed-", stdout, StringComparison.Ordinal);
        Assert.Contains("-> 10.100.0.10 ", stdout, StringComparison.Ordinal);
        Assert.Contains("same IP and MAC", stdout, StringComparison.Ordinal);
        Assert.Contains("Port_Binding vm-fixed.vmnet-demo now on chassis node2", stdout, StringComparison.Ordinal);
        Assert.Matches(@"kubectl delete vm vm-random: 10\.100\.0\.\d+ released", stdout);
        Assert.Contains("vmnet-controller (pid ", stdout, StringComparison.Ordinal);

        // Rig netns names start with the run id; none of this run's may survive.
        var runId = RunId().Match(stdout).Groups["id"].Value;
        Assert.False(string.IsNullOrEmpty(runId), "no rig id printed:\n" + stdout);
        var netnsAfter = await ListNetnsAsync();
        Assert.DoesNotContain(netnsAfter.Except(netnsBefore), n => n.StartsWith(runId, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "vmnet-rig-" + runId)), "run directory left behind");
    }

    [Fact]
    public async Task SigtermMidwayStopsEverythingTheDemoStarted()
    {
        var signalled = false;

        // Signal once the rig and the API server are up (step 4 starts), so there is something to tear down.
        var (exitCode, stdout, stderr) = await SandboxCli.RunAsync(
            stateDirectory,
            TimeSpan.FromMinutes(2),
            (pid, line) =>
            {
                if (!signalled && line.StartsWith("==> [4/", StringComparison.Ordinal))
                {
                    signalled = VmNet.Sandbox.Rig.ProcessSignals.SendTerm(pid);
                }
            },
            "demo");

        Assert.True(signalled, "the demo never reached step 4:\n" + stdout + stderr);
        Assert.Equal(130, exitCode);
        Assert.Contains("CANCELLED at", stdout, StringComparison.Ordinal);
        Assert.Matches(@"Stop everything the demo started \.\.\.\s+(?:.*\n)*?\s+ok", stdout);
        var runId = RunId().Match(stdout).Groups["id"].Value;
        Assert.False(string.IsNullOrEmpty(runId), "no rig id printed:\n" + stdout);
        Assert.DoesNotContain(await ListNetnsAsync(), n => n.StartsWith(runId, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "vmnet-rig-" + runId)), "run directory left behind");
    }

    [Fact]
    public async Task DemoRefusesToRunWhileAnotherSandboxHoldsTheLock()
    {
        using var held = SandboxLock.Acquire(stateDirectory);

        var (exitCode, stdout, stderr) = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(1), "demo");

        Assert.Equal(2, exitCode);
        Assert.Contains("another vmnet sandbox is running", stderr, StringComparison.Ordinal);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoSteps.SummaryPrefix, stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
    }

    private static async Task<IReadOnlyList<string>> ListNetnsAsync()
    {
        var result = await VmNet.Sandbox.Rig.CommandRunner.RunCheckedAsync("ip", ["netns", "list"], TimeSpan.FromSeconds(10));
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
    }

    [GeneratedRegex(@"DEMO SUMMARY: (?<passed>\d+)/(?<total>\d+) steps passed")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"rig (?<id>vn[0-9a-f]{5}) \(")]
    private static partial Regex RunId();
}
