using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>
/// Bad input and bad timing, through the binary as kubelet runs it: each gets the CNI spec's error code and a
/// message naming the cause, and leaves no veth or OVS port behind.
/// </summary>
public sealed partial class StackTests
{
    [Fact]
    public async Task MalformedStdinIsADecodingError()
    {
        var pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "bad" });
        var outcome = await Kubelet.AddAsync(pod, "{\"cniVersion\": \"1.0.0\", \"type\": ");
        StackAssert.Failed(outcome, 6, "");
        Assert.Contains("JSON", outcome.ErrorText, StringComparison.OrdinalIgnoreCase);
        await StackAssert.FailedAddLeftNothingAsync(Stack, pod);
    }

    [Fact]
    public async Task MissingNetnsIsAnEnvironmentError()
    {
        var pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "bad" });
        var outcome = await Kubelet.RunAsync(Kubelet.Invocation(pod, "ADD") with { NetnsPath = null });
        StackAssert.Failed(outcome, 4, "CNI_NETNS");
        await StackAssert.FailedAddLeftNothingAsync(Stack, pod);
    }

    [Fact]
    public async Task NetnsThatDoesNotExistIsNamed()
    {
        var pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "bad" });
        var missing = "/var/run/netns/" + Stack.Rig.RunId.Value + "gone";
        var outcome = await Kubelet.RunAsync(Kubelet.Invocation(pod, "ADD") with { NetnsPath = missing });
        StackAssert.Failed(outcome, 4, missing);
        await StackAssert.FailedAddLeftNothingAsync(Stack, pod);
    }

    [Fact]
    public async Task UnknownCniVersionIsIncompatible()
    {
        var pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "bad" });
        var outcome = await Kubelet.AddAsync(pod, Kubelet.NetConf(pod, cniVersion: "9.9.9"));
        StackAssert.Failed(outcome, 1, "9.9.9");
        await StackAssert.FailedAddLeftNothingAsync(Stack, pod);
    }

    [Fact]
    public async Task DaemonNotRunningIsTryAgainLater()
    {
        var pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "bad" });
        var socket = Path.Combine(Stack.Rig.Directory, "nobody.sock");
        var outcome = await Kubelet.AddAsync(pod, CniPlugin.NetConf(socket));
        StackAssert.Failed(outcome, 11, socket);
        await StackAssert.FailedAddLeftNothingAsync(Stack, pod);
    }

    [Fact]
    public async Task AnnotationNeverArrivingTimesOutNamingPodAndKey()
    {
        // The controller cannot allocate from a subnet that does not exist: it never annotates the pod.
        var pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node2)
        {
            Label = "late",
            Annotations = new Dictionary<string, string> { ["ovn.kubernetes.io/logical_switch"] = "no-such-subnet-" + Stack.Rig.RunId.Value },
        });
        var outcome = await Kubelet.AddAsync(pod);
        StackAssert.Failed(outcome, 111, $"{pod.Namespace}/{pod.Name}");
        Assert.Contains("ovn.kubernetes.io/allocated", outcome.ErrorText, StringComparison.Ordinal);
        Assert.True(outcome.Elapsed >= StackFixture.AnnotationTimeout, $"gave up after {outcome.Elapsed}");
        await StackAssert.FailedAddLeftNothingAsync(Stack, pod);
    }

    [Fact]
    public async Task ControllerDownMeansAnnotationTimeoutThenTheRetrySucceedsOnceItIsBack()
    {
        await Stack.StopControllerAsync();
        StackPod pod;
        try
        {
            pod = await Kubelet.CreatePodAsync(new PodRequest(fixture.Node1) { Label = "noctl" });
            var outcome = await Kubelet.AddAsync(pod);
            StackAssert.Failed(outcome, 111, $"{pod.Namespace}/{pod.Name}");
            await StackAssert.NothingLeftAsync(pod);
        }
        finally
        {
            await Stack.StartControllerAsync();
        }

        // kubelet retries the sandbox: the controller, back, addresses the pod and the same ADD succeeds.
        var retried = await Kubelet.AddAsync(pod);
        StackAssert.Succeeded(retried, Stack);
        Assert.Equal(await StackAssert.AnnotationAsync(Stack, pod, "ovn.kubernetes.io/ip_address") + "/16", retried.FirstAddress);
        var host = await StackAssert.HostInterfaceAsync(pod);
        StackAssert.Succeeded(await Kubelet.RemovePodAsync(pod), Stack);
        await StackAssert.NothingLeftAsync(pod, host);
        await StackAssert.NoPortAfterPodDeletedAsync(Stack, pod, [host]);
    }

    [Fact]
    public async Task DaemonKilledDuringAddThenRetriedAddSucceedsWithoutDuplicates()
    {
        var node = fixture.Node1;

        // Hold the ADD after it plugged (or took over a pre-plugged) port: it then waits for ovn-installed, which a
        // stopped ovn-controller never sets. Stopped before the pod exists, so no port can be bound ahead of the ADD.
        await SignalAsync("STOP", node.Controller.Pid);
        StackPod pod;
        CniOutcome interrupted;
        string ipBefore;
        try
        {
            pod = await Kubelet.CreatePodAsync(new PodRequest(node) { Label = "rst" });
            var add = Kubelet.AddAsync(pod);
            await StackAssert.EventuallyAsync(Stack, "ADD plugged the port", async () => await pod.HostInterfaceAsync() is not null || add.IsCompleted);
            if (add.IsCompleted)
            {
                Assert.Fail("ADD finished before the daemon could be killed: " + await add);
            }

            ipBefore = await StackAssert.AnnotationAsync(Stack, pod, "ovn.kubernetes.io/ip_address");
            await Stack.Daemon(node).KillAsync();
            interrupted = await add;
        }
        finally
        {
            await SignalAsync("CONT", node.Controller.Pid);
        }

        StackAssert.Failed(interrupted, 11, "");

        // While it is down its socket file is still there, unserved: a retry now is told to try again later.
        var daemon = Stack.Daemon(node);
        Assert.True(File.Exists(daemon.SocketPath), "the killed daemon's socket file is gone");
        StackAssert.Failed(await Kubelet.AddAsync(pod), 11, daemon.SocketPath);

        // kubelet retries the ADD with the same container ID once the daemon is back.
        await Stack.RestartDaemonAsync(node);
        var retried = await Kubelet.AddAsync(pod);
        StackAssert.Succeeded(retried, Stack);
        Assert.Equal(ipBefore + "/16", retried.FirstAddress);
        StackAssert.Succeeded(await Kubelet.AddAsync(pod), Stack);

        // Exactly one of everything: OVS interface on the logical port, host veth, pod eth0, logical switch port.
        var host = await StackAssert.HostInterfaceAsync(pod);
        Assert.Equal([host], await pod.PortInterfacesAsync());
        var links = (await node.ExecAsync("ip", ["-o", "link", "show"])).Stdout;
        Assert.Single(links.Split('\n'), l => l.Contains(" " + host + "@", StringComparison.Ordinal));
        Assert.Single((await pod.ExecAsync("ip", "-o", "link", "show")).Stdout.Split('\n'), l => l.Contains("eth0", StringComparison.Ordinal));
        var lsps = await Stack.Rig.Central.NbctlAsync(["--bare", "--columns=_uuid", "find", "Logical_Switch_Port", $"name=\"{pod.PortName}\""]);
        Assert.Single(lsps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var ping = await pod.PingAsync(VmNetStack.DefaultGateway, 2);
        Assert.True(ping.Succeeded, ping.Stdout + ping.Stderr);

        StackAssert.Succeeded(await Kubelet.RemovePodAsync(pod), Stack);
        await StackAssert.NothingLeftAsync(pod, host);
        await StackAssert.NoPortAfterPodDeletedAsync(Stack, pod, [host]);
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        var result = await Sandbox.Rig.CommandRunner.RunAsync("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(result.Succeeded, $"kill -{signal} {pid}: {result.Stderr}");
    }
}
