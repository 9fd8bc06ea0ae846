using VmNet.Migration.Stack;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Migration;

internal static class StackAssert
{
    /// <summary>Single pings from the pod until one is answered (the TCG guest or a fresh binding may need a moment).</summary>
    public static async Task EventuallyPingsAsync(StackPod from, string ip, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        CommandResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await NetworkNamespace.ExecAsync(from.Netns, "ping", ["-c", "1", "-W", "1", ip], TimeSpan.FromSeconds(5));
            if (last.Succeeded)
            {
                return;
            }
        }

        Assert.Fail($"{from.Name} never got a ping reply from {ip} within {timeout.TotalSeconds:0} s: {last?.Stdout}{last?.Stderr}");
    }
}
