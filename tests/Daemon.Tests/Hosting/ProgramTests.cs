using System.Diagnostics;

namespace VmNet.Daemon.Tests.Hosting;

/// <summary>The vmnet-daemon executable itself: a bad command line is refused with exit code 2 and a message naming the option.</summary>
public class ProgramTests
{
    [Theory]
    [InlineData(new[] { "--node-name", "n1", "--encap-type", "stt" }, "--encap-type 'stt'")]
    [InlineData(new[] { "--node-name", "n1", "--no-such-option", "x" }, "--no-such-option")]
    public async Task BadCommandLineExitsWithUsage(string[] args, string mentioned)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vmnet-daemon.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestDeadlineToken());
        var output = await stdout + await stderr;
        Assert.Equal(2, process.ExitCode);
        Assert.Contains(mentioned, output, StringComparison.Ordinal);
        Assert.Contains("--host-netns", output, StringComparison.Ordinal);
    }

    private static CancellationToken TestDeadlineToken() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
