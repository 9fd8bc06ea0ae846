using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>
/// Checks shared by the stack tests: CNI outcomes, leftovers on the node, waits with diagnostics. Ports are found
/// by the sandbox's container ID or the pod's iface-id, never by name alone: a port the daemon pre-plugged before
/// the ADD keeps its own name.
/// </summary>
internal static class StackAssert
{
    public static void Succeeded(CniOutcome outcome, VmNetStack stack)
    {
        Assert.True(outcome.Succeeded, outcome + "\n" + stack.Diagnostics());
    }

    /// <summary>A CNI error with <paramref name="code"/> whose msg/details name <paramref name="mentioned"/>.</summary>
    public static void Failed(CniOutcome outcome, int code, string mentioned)
    {
        Assert.False(outcome.Succeeded, "expected a CNI error, got " + outcome);
        Assert.True(code == outcome.ErrorCode, $"expected code {code}: {outcome}");
        Assert.Contains(mentioned, outcome.ErrorText, StringComparison.Ordinal);
    }

    /// <summary>The host interface ADD plugged for the pod (it must exist).</summary>
    public static async Task<string> HostInterfaceAsync(StackPod pod) =>
        await pod.HostInterfaceAsync() ?? throw new Xunit.Sdk.XunitException($"{pod}: no OVS interface carries its container ID");

    /// <summary>
    /// Nothing of this sandbox on the node: no OVS interface with its container ID, no veth or br-int port named
    /// Kube-OVN's way or <paramref name="hostInterface"/>, and no eth0 in its netns.
    /// </summary>
    public static async Task NothingLeftAsync(StackPod pod, string? hostInterface = null)
    {
        Assert.Null(await pod.HostInterfaceAsync());
        var ports = (await pod.Node.VsctlAsync(["list-ports", "br-int"])).Stdout;
        foreach (var name in new[] { pod.HostVeth, hostInterface }.OfType<string>())
        {
            Assert.False((await pod.Node.ExecAsync("ip", ["link", "show", name])).Succeeded, "host veth left behind: " + name);
            Assert.DoesNotContain(name, ports, StringComparison.Ordinal);
        }

        if (Sandbox.Rig.NetworkNamespace.Exists(pod.Netns))
        {
            Assert.False((await pod.ExecAsync("ip", "link", "show", "eth0")).Succeeded, "eth0 left in the pod netns");
        }
    }

    /// <summary>
    /// The pod's frames reach OVS with complete checksums: eth0's TX checksum offload is off, or eth0 is a passthru
    /// macvlan on a pre-plugged port's holding end (its offloads are fixed on and take effect on the lower device),
    /// and that holding end's is off.
    /// </summary>
    public static async Task TxChecksumOffAsync(StackPod pod, string hostInterface)
    {
        var details = (await pod.ExecAsync("ip", "-d", "link", "show", "eth0")).Stdout;
        if (!details.Contains("macvlan mode passthru", StringComparison.Ordinal))
        {
            Assert.Contains("tx-checksumming: off", (await pod.ExecAsync("ethtool", "-k", "eth0")).Stdout, StringComparison.Ordinal);
            return;
        }

        var holding = VmNet.Daemon.Pods.PrePlugNames.HoldingOf(hostInterface);
        var features = await Sandbox.Rig.NetworkNamespace.ExecCheckedAsync(pod.Node.Netns + "-hold", "ethtool", ["-k", holding]);
        Assert.Contains("tx-checksumming: off", features.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Once the pod object is gone: no OVS interface bound to its logical port at all, and no veth of one.</summary>
    public static async Task NoPortAfterPodDeletedAsync(VmNetStack stack, StackPod pod, IEnumerable<string> seen)
    {
        await EventuallyAsync(stack, $"no OVS interface bound to {pod.PortName}", async () => (await pod.PortInterfacesAsync()).Count == 0);
        // The daemon removes the OVS port first and its veth right after.
        foreach (var name in seen)
        {
            await EventuallyAsync(stack, "veth " + name + " removed", async () => !(await pod.Node.ExecAsync("ip", ["link", "show", name])).Succeeded);
        }
    }

    /// <summary>The failed ADD left nothing; then kubelet removes the pod and everything bound to its port goes too.</summary>
    public static async Task FailedAddLeftNothingAsync(VmNetStack stack, StackPod pod)
    {
        await NothingLeftAsync(pod);
        var seen = await pod.PortInterfacesAsync();
        await stack.Kubelet.RemovePodAsync(pod);
        await NoPortAfterPodDeletedAsync(stack, pod, seen);
    }

    public static async Task EventuallyAsync(VmNetStack stack, string what, Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {seconds} s\n{stack.Diagnostics()}");
            await Task.Delay(200);
        }
    }

    /// <summary>The pod's annotation as the controller wrote it.</summary>
    public static async Task<string> AnnotationAsync(VmNetStack stack, StackPod pod, string key)
    {
        var current = await stack.Kube.GetAsync<V1Pod>(pod.Namespace, pod.Name);
        return current.Metadata?.Annotations?.GetValueOrDefault(key) ?? throw new Xunit.Sdk.XunitException($"{pod} has no annotation {key}");
    }
}
