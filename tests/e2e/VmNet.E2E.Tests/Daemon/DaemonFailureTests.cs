using System.Text.Json;
using VmNet.E2E.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>
/// Timing and gateway cases that need annotations the real controller would not write (a late annotation
/// written by the test, a gateway that never answers). The bad-input cases and the daemon restart during ADD
/// run against the real controller in <see cref="VmNet.E2E.Stack.StackTests"/>.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class DaemonFailureTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task AnnotationWrittenDuringAddIsSeenAtOnce()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "late");
        await KubeOvnTopology.AddPortAsync(fixture.Central, pod.PortName, pod.Mac, pod.Ip);
        await fixture.CreatePodAsync(pod.Name, pod.Node, annotations: null);
        var add = pod.AddAsync(fixture);
        await Task.Delay(1000);
        var annotated = DateTime.UtcNow;
        await fixture.AnnotatePodAsync(pod.Name, pod.ControllerAnnotations().ToDictionary(p => p.Key, p => (string?)p.Value));
        var outcome = await add;
        Assert.True(outcome.ExitCode == 0, outcome.Stdout + outcome.Stderr);
        Assert.True(DateTime.UtcNow - annotated < TimeSpan.FromSeconds(5), "the daemon did not react to the annotation promptly");
        Assert.Equal(0, (await pod.DelAsync(fixture)).ExitCode);
        await AssertNothingLeftAsync(pod);
    }

    [Fact]
    public async Task SilentGatewayFailsAddUnlessPodIsAMigrationTarget()
    {
        const string silentGateway = "10.16.255.254";
        var plain = await CniPod.NewAsync(fixture, fixture.Node1, "gw");
        await KubeOvnTopology.AddPortAsync(fixture.Central, plain.PortName, plain.Mac, plain.Ip);
        var annotations = plain.ControllerAnnotations();
        annotations["ovn.kubernetes.io/gateway"] = silentGateway;
        await fixture.CreatePodAsync(plain.Name, plain.Node, annotations);
        var failed = await plain.AddAsync(fixture);
        AssertError(failed, 115, silentGateway);
        await AssertNothingLeftAsync(plain);

        var target = await CniPod.NewAsync(fixture, fixture.Node1, "mig");
        await KubeOvnTopology.AddPortAsync(fixture.Central, target.PortName, target.Mac, target.Ip);
        annotations = target.ControllerAnnotations();
        annotations["ovn.kubernetes.io/gateway"] = silentGateway;
        annotations["kubevirt.io/migrationJobName"] = "migration-1";
        await fixture.CreatePodAsync(target.Name, target.Node, annotations);
        var added = await target.AddAsync(fixture);
        Assert.True(added.ExitCode == 0, added.Stdout + added.Stderr);
        Assert.True(added.Elapsed < fixture.Options(target.Node).GatewayCheckTimeout, $"ADD of a migration target took {added.Elapsed}: the gateway check was not skipped");
        Assert.Equal(0, (await target.DelAsync(fixture)).ExitCode);
        await AssertNothingLeftAsync(target);
    }

    private static void AssertError(CniBinary.Outcome outcome, int code, string mentioned)
    {
        Assert.True(outcome.ExitCode != 0, "expected a failure, got " + outcome.Stdout);
        using var json = JsonDocument.Parse(outcome.Stdout);
        Assert.True(code == json.RootElement.GetProperty("code").GetInt32(), outcome.Stdout);
        var details = json.RootElement.TryGetProperty("details", out var d) ? d.GetString() : "";
        Assert.Contains(mentioned, json.RootElement.GetProperty("msg").GetString() + details, StringComparison.Ordinal);
    }

    private static async Task AssertNothingLeftAsync(CniPod pod)
    {
        Assert.False((await pod.Node.ExecAsync("ip", ["link", "show", pod.HostVeth])).Succeeded, "host veth left behind");
        Assert.Equal("", (await pod.Node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id=\"{pod.PortName}\""])).Stdout.Trim());
        Assert.DoesNotContain(pod.HostVeth, (await pod.Node.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);
    }
}
