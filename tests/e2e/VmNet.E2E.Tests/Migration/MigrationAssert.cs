using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Migration;

internal static class MigrationAssert
{
    /// <summary>Single pings until one is answered (the TCG guest or a fresh binding may need a moment).</summary>
    public static async Task EventuallyPingsAsync(TestPod from, string ip, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        CommandResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await from.ExecAsync("ping", ["-c", "1", "-W", "1", ip], TimeSpan.FromSeconds(5));
            if (last.Succeeded)
            {
                return;
            }
        }

        Assert.Fail($"{from.Name} never got a ping reply from {ip} within {timeout.TotalSeconds:0} s: {last?.Stdout}{last?.Stderr}");
    }

    /// <summary>The SB Port_Binding of <paramref name="logicalPort"/> is claimed by exactly <paramref name="chassis"/>.</summary>
    public static async Task BoundToAsync(OvnCentral central, string logicalPort, string chassis)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string bound = string.Empty, expected = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            bound = (await central.SbctlAsync(["--bare", "--columns=chassis", "find", "Port_Binding", "logical_port=" + logicalPort])).Stdout.Trim();
            expected = (await central.SbctlAsync(["--bare", "--columns=_uuid", "find", "Chassis", "name=" + chassis])).Stdout.Trim();
            if (bound.Length > 0 && bound == expected)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"Port_Binding {logicalPort} is bound to chassis '{bound}', expected {chassis} ('{expected}')");
    }
}
