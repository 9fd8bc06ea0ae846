using System.Diagnostics;
using VmNet.Controller.Hosting;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;

namespace VmNet.Controller.Tests.Hosting;

public sealed class ControllerProgramTests
{
    [Fact]
    public async Task ControllerProcessBuildsDefaultTopologyHoldsTheLeaseAndStopsOnSigterm()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vmnet-ctl-{Guid.NewGuid():N}.kubeconfig");
        harness.Server.WriteKubeconfig(kubeconfig);
        var dll = Path.Combine(AppContext.BaseDirectory, "vmnet-controller.dll");
        Assert.True(File.Exists(dll), $"{dll} missing");

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { dll, "--kubeconfig", kubeconfig, "--ovn-nb-addr", harness.Central.NorthboundUnix, "--pod-name=ctl-proc", "--pod-namespace", "kube-system", "--worker-num=2", "--gc-interval=300" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await TopologyHarness.EventuallyAsync(() => harness.FindAsync("Logical_Router_Port", "ovn-cluster-join"), r => r is not null, "join router port from the controller process", TimeSpan.FromSeconds(60));
            var subnet = await harness.WaitSubnetConditionAsync("ovn-default", KubeOvnConditions.Ready, "True");
            Assert.Equal("10.16.0.1", subnet.Spec!.Gateway);
            var lease = await harness.Client.GetAsync<V1Lease>("kube-system", "vmnet-controller");
            Assert.Equal("ctl-proc", lease.Spec!.HolderIdentity);

            Assert.True(ProcessSignals.SendTerm(process.Id));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);

            // Released on the way out, so a successor need not wait for expiry.
            var released = await harness.Client.GetAsync<V1Lease>("kube-system", "vmnet-controller");
            Assert.True(string.IsNullOrEmpty(released.Spec!.HolderIdentity), $"lease still held by {released.Spec.HolderIdentity}");
            lock (output)
            {
                Assert.Contains("startup complete", output.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task BadFlagExitsWithUsageCode()
    {
        var code = await ControllerProgram.RunAsync(["--network-type=ipip"], CancellationToken.None);
        Assert.Equal(2, code);
    }

    [Fact]
    public async Task InProcessRunStopsCleanlyOnCancellation()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vmnet-ctl-{Guid.NewGuid():N}.kubeconfig");
        harness.Server.WriteKubeconfig(kubeconfig);
        using var stop = new CancellationTokenSource();
        var run = ControllerProgram.RunAsync(["--kubeconfig", kubeconfig, "--ovn-nb-addr", harness.Central.NorthboundUnix, "--disable-leader-election", "--log-level=Warning"], stop.Token);
        try
        {
            await harness.WaitSubnetConditionAsync("join", KubeOvnConditions.Ready, "True");
            await stop.CancelAsync();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
