using System.Diagnostics;

namespace VmNet.E2E.Demo;

/// <summary>Runs the vmnet-sandbox executable (as `make demo` does) and captures its output.</summary>
internal static class SandboxCli
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string stateDirectory, TimeSpan timeout, params string[] arguments)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "vmnet-sandbox.dll");
        Assert.True(File.Exists(assembly), $"{assembly} is missing: the e2e project should copy the Sandbox executable");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["VMNET_SANDBOX_DIR"] = stateDirectory;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT-like stop is not available from .NET; kill just this process and report what it printed.
            process.Kill();
            await process.WaitForExitAsync();
            Assert.Fail($"vmnet-sandbox {string.Join(' ', arguments)} did not finish within {timeout}:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
