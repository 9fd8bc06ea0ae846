using System.Text.Json;
using VmNet.E2E.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>
/// Rate annotations become OVS limits on the pod's port and are measured with iperf3; changing the
/// annotation on the running pod changes the measured rate.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class DaemonQosTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task RateAnnotationsLimitThePodAndChangeLive()
    {
        var limited = await CniPod.NewAsync(fixture, fixture.Node1, "qos");
        var peer = await CniPod.NewAsync(fixture, fixture.Node2, "qos");
        await KubeOvnTopology.AddPortAsync(fixture.Central, limited.PortName, limited.Mac, limited.Ip);
        var annotations = limited.ControllerAnnotations();
        annotations["ovn.kubernetes.io/egress_rate"] = "20";
        annotations["ovn.kubernetes.io/ingress_rate"] = "30";
        await fixture.CreatePodAsync(limited.Name, limited.Node, annotations);
        await peer.PlayControllerAsync(fixture);
        Assert.Equal(0, (await limited.AddAsync(fixture)).ExitCode);
        Assert.Equal(0, (await peer.AddAsync(fixture)).ExitCode);
        try
        {
            // Userspace datapath: pod ingress = linux-htb QoS on the port; pod egress = tbf on the pod's eth0 (see PodEgressLimiter).
            Assert.Contains("linux-htb", (await limited.Node.VsctlAsync(["--bare", "--columns=type", "find", "QoS", "external_ids:vendor=vmnet"])).Stdout, StringComparison.Ordinal);
            Assert.Contains("tbf", (await limited.ExecAsync("tc", "qdisc", "show", "dev", "eth0")).Stdout, StringComparison.Ordinal);

            await AssertRateAsync(20, limited, peer, reverse: false, "egress (pod sends)");
            await AssertRateAsync(30, limited, peer, reverse: true, "ingress (pod receives)");

            await fixture.AnnotatePodAsync(limited.Name, new Dictionary<string, string?>
            {
                ["ovn.kubernetes.io/egress_rate"] = "8",
                ["ovn.kubernetes.io/ingress_rate"] = "12",
            });
            await WaitForAsync(async () => (await limited.Node.VsctlAsync(["get", "Interface", limited.HostVeth, "external_ids:\"vmnet.io/egress-rate\""])).Stdout.Trim().Trim('"') == "8");
            await AssertRateAsync(8, limited, peer, reverse: false, "egress after the change");
            await AssertRateAsync(12, limited, peer, reverse: true, "ingress after the change");

            // Removing the annotations removes the limits (and the QoS rows).
            await fixture.AnnotatePodAsync(limited.Name, new Dictionary<string, string?> { ["ovn.kubernetes.io/egress_rate"] = null, ["ovn.kubernetes.io/ingress_rate"] = null });
            await WaitForAsync(async () => !(await limited.ExecAsync("tc", "qdisc", "show", "dev", "eth0")).Stdout.Contains("tbf", StringComparison.Ordinal));
            await WaitForAsync(async () => (await limited.Node.VsctlAsync(["--bare", "--columns=_uuid", "find", "QoS", "external_ids:vendor=vmnet"])).Stdout.Trim() == "");
        }
        finally
        {
            await limited.DelAsync(fixture);
            await peer.DelAsync(fixture);
        }

        Assert.Equal("", (await limited.Node.VsctlAsync(["--bare", "--columns=_uuid", "find", "Queue", "external_ids:vendor=vmnet"])).Stdout.Trim());
    }

    private static async Task<double> MeasureMbpsAsync(CniPod pod, CniPod server, bool reverse)
    {
        // A one-off server (-1) per run: it exits after serving, so nothing is left to kill.
        var started = await server.ExecAsync("iperf3", "-s", "-D", "-1");
        Assert.True(started.Succeeded, started.Stderr);
        await Task.Delay(300);
        var args = new List<string> { "-c", server.Ip, "-t", "3", "-O", "1", "-J" };
        if (reverse)
        {
            args.Add("-R");
        }

        var run = await pod.ExecAsync("iperf3", [.. args]);
        Assert.True(run.Succeeded, run.Stdout + run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        // iperf3 can exit 0 with an "error" and no totals when the one-off server of the previous run had not
        // gone yet; that run measured nothing, so it counts as a failed attempt (0) and the caller tries again.
        if (!json.RootElement.TryGetProperty("end", out var end)
            || !end.TryGetProperty("sum_received", out var received)
            || !received.TryGetProperty("bits_per_second", out var bps))
        {
            await Task.Delay(500);
            return 0;
        }

        return bps.GetDouble() / 1e6;
    }

    /// <summary>
    /// Within ±20% of the limit. A limiter can only slow traffic down, while CPU starvation on this shared
    /// 2-core machine can also slow a run below the limit; so up to three runs are made and the best one
    /// counts: it must not exceed the limit by more than 20% nor stay more than 20% below it.
    /// </summary>
    private static async Task AssertRateAsync(double limitMbps, CniPod pod, CniPod server, bool reverse, string what)
    {
        var runs = new List<double>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var measured = await MeasureMbpsAsync(pod, server, reverse);
            runs.Add(measured);
            Assert.True(measured <= limitMbps * 1.2, $"{what}: measured {measured:F1} Mbit/s, above the limit {limitMbps} Mbit/s + 20%");
            if (measured >= limitMbps * 0.8)
            {
                return;
            }
        }

        Assert.Fail($"{what}: measured {string.Join(", ", runs.Select(r => r.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} Mbit/s, limit {limitMbps} Mbit/s (±20%)");
    }

    private async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 15 s; daemon log:\n" + fixture.DaemonLog.Tail());
            await Task.Delay(200);
        }
    }
}
