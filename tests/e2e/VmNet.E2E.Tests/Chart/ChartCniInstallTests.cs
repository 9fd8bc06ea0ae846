using System.Text.Json.Nodes;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Chart;

/// <summary>
/// The init container's install script, run with /bin/sh over a temporary root standing in for the container's
/// file system: every path in its rendered environment is taken below that root.
/// </summary>
public sealed class ChartCniInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vmnet-chart-install-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task InstallsPluginKubeOvnLinkAndConfigAndReplacesThemOnRerun()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the install script runs on Linux nodes");
        }

        var chart = await ChartTemplate.RenderAsync();
        var container = chart.Container("DaemonSet", "install-cni", init: true);
        var environment = new KubeletEnvironment(container);
        var conflist = RenderedChart.Text(chart.Single("ConfigMap"), "data", "01-kube-ovn.conflist");
        var binDir = Under(environment.Get("CNI_BIN_DIR")!);
        var confDir = Under(environment.Get("CNI_CONF_DIR")!);
        Directory.CreateDirectory(binDir);
        Directory.CreateDirectory(confDir);
        // A node that ran Kube-OVN before: its kube-ovn plugin and config are replaced.
        await File.WriteAllTextAsync(Path.Combine(binDir, "kube-ovn"), "old kube-ovn plugin");
        await File.WriteAllTextAsync(Path.Combine(confDir, "01-kube-ovn.conflist"), "{}");

        for (var run = 1; run <= 2; run++)
        {
            var plugin = $"#!/bin/sh\necho vmnet build {run}\n";
            WriteImageFile(environment.Get("VMNET_CNI_BINARY")!, plugin);
            WriteImageFile(environment.Get("CNI_CONF_SOURCE")!, conflist);

            var outcome = await RunScriptAsync(container, environment);
            Assert.True(outcome.ExitCode == 0, outcome.Stdout + outcome.Stderr);

            var installed = Path.Combine(binDir, "vmnet");
            Assert.Equal(plugin, await File.ReadAllTextAsync(installed));
            Assert.True(File.GetUnixFileMode(installed).HasFlag(UnixFileMode.UserExecute | UnixFileMode.OtherExecute));
            var link = new FileInfo(Path.Combine(binDir, "kube-ovn"));
            Assert.Equal("vmnet", link.LinkTarget);
            var config = Path.Combine(confDir, "01-kube-ovn.conflist");
            Assert.Equal(conflist, await File.ReadAllTextAsync(config));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
            Assert.Equal(["kube-ovn", "vmnet"], Directory.GetFileSystemEntries(binDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(["01-kube-ovn.conflist"], Directory.GetFileSystemEntries(confDir).Select(Path.GetFileName));
        }
    }

    private string Under(string containerPath) => Path.Join(_root, containerPath);

    private void WriteImageFile(string containerPath, string content)
    {
        var path = Under(containerPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task<CommandResult> RunScriptAsync(JsonObject container, KubeletEnvironment environment)
    {
        var command = RenderedChart.Strings(container["command"]);
        Assert.Equal(["/bin/sh", "-c"], command.Take(2));
        var variables = environment.Variables.ToDictionary(v => v.Key, v => v.Value.StartsWith('/') ? Under(v.Value) : v.Value);
        return await CommandRunner.RunAsync(command[0], command.Skip(1), TimeSpan.FromSeconds(30), variables);
    }
}
