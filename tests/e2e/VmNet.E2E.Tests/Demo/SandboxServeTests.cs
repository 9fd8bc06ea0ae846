using VmNet.Sandbox.Demo;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Demo;

/// <summary>`make sandbox` / `make sandbox-down`: a kept sandbox answers kubectl, refuses a second one, and stops cleanly.</summary>
public sealed class SandboxServeTests : IDisposable
{
    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), "vmnet-serve-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task KeptSandboxServesKubectlRefusesASecondAndStopsOnDown()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serve = SandboxCli.RunAsync(
            stateDirectory,
            TimeSpan.FromMinutes(4),
            (_, line) =>
            {
                if (line.StartsWith("The sandbox is up", StringComparison.Ordinal))
                {
                    up.TrySetResult();
                }
            },
            "serve",
            "--guests=netns");
        var first = await Task.WhenAny(up.Task, serve, Task.Delay(TimeSpan.FromMinutes(3)));
        if (first != up.Task)
        {
            var down = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(1), "down");
            Assert.Fail($"the sandbox did not come up:\n{(serve.IsCompleted ? (await serve).Stdout : "(still running)")}\n{down.Stdout}");
        }

        try
        {
            var ips = await CommandRunner.RunAsync("kubectl", ["--kubeconfig", Path.Combine(stateDirectory, "kubeconfig"), "get", "ips"], TimeSpan.FromSeconds(30));
            Assert.True(ips.Succeeded, ips.Stderr);
            Assert.Matches(@"vm-fixed\.vmnet-demo\s+10\.100\.0\.10\s", ips.Stdout);
            Assert.Contains("vm-multi-nic.vmnet-demo.storage.vmnet-demo.ovn", ips.Stdout, StringComparison.Ordinal);

            var second = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(1), "demo", "--guests=netns");
            Assert.Equal(2, second.ExitCode);
            Assert.Contains("another vmnet sandbox is running", second.Stderr, StringComparison.Ordinal);
            Assert.Contains("make sandbox-down", second.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            var down = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(2), "down");
            Assert.True(down.ExitCode == 0, down.Stdout + down.Stderr);
        }

        var (exitCode, stdout, stderr) = await serve;
        Assert.True(exitCode == 0, $"serve exited {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("DEMO SUMMARY: 7/7 steps passed", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(stateDirectory, "kubeconfig")), "kubeconfig left behind");
        using var free = SandboxLock.Acquire(stateDirectory);
    }

    public void Dispose()
    {
        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
    }
}
