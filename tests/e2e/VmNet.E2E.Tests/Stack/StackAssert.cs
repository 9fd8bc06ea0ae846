using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>Checks shared by the stack tests: CNI outcomes, leftovers on the node, waits with diagnostics.</summary>
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

    /// <summary>No host veth, no OVS Interface/Port for the pod, and no eth0 in its netns.</summary>
    public static async Task NothingLeftAsync(StackPod pod)
    {
        Assert.False((await pod.Node.ExecAsync("ip", ["link", "show", pod.HostVeth])).Succeeded, "host veth left behind: " + pod.HostVeth);
        Assert.Equal("", (await pod.Node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", $"external_ids:iface-id=\"{pod.PortName}\""])).Stdout.Trim());
        Assert.DoesNotContain(pod.HostVeth, (await pod.Node.VsctlAsync(["list-ports", "br-int"])).Stdout, StringComparison.Ordinal);
        if (Sandbox.Rig.NetworkNamespace.Exists(pod.Netns))
        {
            Assert.False((await pod.ExecAsync("ip", "link", "show", "eth0")).Succeeded, "eth0 left in the pod netns");
        }
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
