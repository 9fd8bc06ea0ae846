using System.Diagnostics;

namespace VmNet.E2E.Demo;

/// <summary>Runs the vmnet-sandbox executable (as `make demo` does) and captures its output.</summary>
internal static class SandboxCli
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string stateDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync(stateDirectory, timeout, null, arguments);

    /// <summary>Runs the sandbox; <paramref name="onLine"/> sees each stdout line as it comes, with the process id (e.g. to signal it).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string stateDirectory, TimeSpan timeout, Action<int, string>? onLine, params string[] arguments)
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
        var stdout = ReadLinesAsync(process, onLine);
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

    private static async Task<string> ReadLinesAsync(Process process, Action<int, string>? onLine)
    {
        var text = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            text.AppendLine(line);
            onLine?.Invoke(process.Id, line);
        }

        return text.ToString();
    }
}
