using System.Text.Json;
using VmNet.E2E.Rig;

namespace VmNet.E2E.Daemon;

/// <summary>
/// Bad input and bad timing through the published CNI binary: each gets the right CNI error code and a
/// message naming what is wrong, and no veth or OVS port stays behind.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class DaemonFailureTests(DaemonRigFixture fixture) : IClassFixture<DaemonRigFixture>
{
    [Fact]
    public async Task MalformedStdinIsADecodingError()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "bad");
        var outcome = await pod.AddAsync(fixture, "{\"cniVersion\": \"1.0.0\", \"type\": ");
        AssertError(outcome, 6, "");
        await AssertNothingLeftAsync(pod);
    }

    [Fact]
    public async Task MissingNetnsIsAnEnvironmentError()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "bad");
        var outcome = await CniBinary.RunAsync("ADD", pod.ContainerId, null, "eth0", "default", pod.Name, CniBinary.NetConf(fixture.SocketPath(pod.Node)), Timeouts.Token());
        AssertError(outcome, 4, "CNI_NETNS");
        await AssertNothingLeftAsync(pod);
    }

    [Fact]
    public async Task NetnsThatDoesNotExistIsNamed()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "bad");
        await pod.PlayControllerAsync(fixture);
        var missing = "/var/run/netns/" + fixture.Rig.RunId.Value + "gone";
        var outcome = await CniBinary.RunAsync("ADD", pod.ContainerId, missing, "eth0", "default", pod.Name, CniBinary.NetConf(fixture.SocketPath(pod.Node)), Timeouts.Token());
        AssertError(outcome, 4, missing);
        await AssertNothingLeftAsync(pod);
    }

    [Fact]
    public async Task UnknownCniVersionIsIncompatible()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "bad");
        var outcome = await pod.AddAsync(fixture, CniBinary.NetConf(fixture.SocketPath(pod.Node), cniVersion: "9.9.9"));
        AssertError(outcome, 1, "9.9.9");
        await AssertNothingLeftAsync(pod);
    }

    [Fact]
    public async Task DaemonNotRunningIsTryAgainLater()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "bad");
        var socket = "/tmp/vmnet-" + fixture.Rig.RunId.Value + "-nobody.sock";
        var outcome = await pod.AddAsync(fixture, CniBinary.NetConf(socket));
        AssertError(outcome, 11, socket);
        await AssertNothingLeftAsync(pod);
    }

    [Fact]
    public async Task AnnotationNeverArrivingTimesOutNamingPodAndKey()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "late");
        await fixture.CreatePodAsync(pod.Name, pod.Node, annotations: null);
        var outcome = await pod.AddAsync(fixture);
        AssertError(outcome, 111, $"default/{pod.Name}");
        Assert.Contains("ovn.kubernetes.io/allocated", outcome.Stdout, StringComparison.Ordinal);
        Assert.True(outcome.Elapsed >= fixture.Options(pod.Node).AnnotationTimeout, $"gave up after {outcome.Elapsed}");
        await AssertNothingLeftAsync(pod);
    }

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
    public async Task DaemonRestartDuringAddThenRetrySucceedsWithoutDuplicates()
    {
        var pod = await CniPod.NewAsync(fixture, fixture.Node1, "rst");
        await fixture.CreatePodAsync(pod.Name, pod.Node, annotations: null);
        var add = pod.AddAsync(fixture);
        await Task.Delay(1500);
        await fixture.StopDaemonAsync(pod.Node);
        var interrupted = await add;
        AssertError(interrupted, 11, "");

        await fixture.StartDaemonAsync(pod.Node);
        await KubeOvnTopology.AddPortAsync(fixture.Central, pod.PortName, pod.Mac, pod.Ip);
        await fixture.AnnotatePodAsync(pod.Name, pod.ControllerAnnotations().ToDictionary(p => p.Key, p => (string?)p.Value));
        var retried = await pod.AddAsync(fixture);
        Assert.True(retried.ExitCode == 0, "retry: " + retried.Stdout + retried.Stderr + "\n" + fixture.DaemonLog.Tail() + "\n" + pod.Node.LogTails(20));
        var again = await pod.AddAsync(fixture);
        Assert.True(again.ExitCode == 0, "again: " + again.Stdout + again.Stderr + "\n" + fixture.DaemonLog.Tail() + "\n" + pod.Node.LogTails(20));

        var bound = await pod.Node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id=\"{pod.PortName}\""]);
        Assert.Equal(pod.HostVeth, bound.Stdout.Trim());
        var links = (await pod.Node.ExecAsync("ip", ["-o", "link", "show"])).Stdout;
        Assert.Single(links.Split('\n'), l => l.Contains(pod.HostVeth, StringComparison.Ordinal));
        var ping = await pod.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", KubeOvnTopology.Gateway);
        Assert.True(ping.Succeeded, ping.Stdout);
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
