using System.Text.RegularExpressions;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>The launcher pod's netns standing in for the guest: its NICs carry the VM's addresses directly.</summary>
public sealed partial class NetnsGuest(LauncherSandbox launcher, Func<LauncherSandbox, Task> retire) : IDemoGuest
{
    private int disposed;

    public string Vm => Launcher.Pod.Vm;

    public string Kind => "netns guest";

    public LauncherSandbox Launcher { get; private set; } = launcher;

    public string? ShellNetns => Launcher.Netns;

    public async Task<GuestView> ViewFromInsideAsync(CancellationToken cancellationToken)
    {
        var link = await NetworkNamespace.ExecCheckedAsync(Launcher.Netns, "ip", ["-br", "link", "show", "eth0"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var addr = await NetworkNamespace.ExecCheckedAsync(Launcher.Netns, "ip", ["-br", "-4", "addr", "show", "eth0"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var mac = MacPattern().Match(link.Stdout);
        var ip = CidrPattern().Match(addr.Stdout);
        if (!mac.Success || !ip.Success)
        {
            throw new InvalidOperationException($"eth0 in {Launcher.Netns} has no MAC/IPv4: {link.Stdout.Trim()} / {addr.Stdout.Trim()}");
        }

        return new GuestView(mac.Value, ip.Value, "netns:" + Launcher.Netns, $"ip -n {Launcher.Netns} -br addr/link show eth0");
    }

    /// <summary>The guest moved to <paramref name="target"/> (a live migration's switchover).</summary>
    public void MoveTo(LauncherSandbox target) => Launcher = target;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            await retire(Launcher).ConfigureAwait(false);
        }
    }

    [GeneratedRegex(@"([0-9a-f]{2}:){5}[0-9a-f]{2}")]
    private static partial Regex MacPattern();

    [GeneratedRegex(@"\d+\.\d+\.\d+\.\d+/\d+")]
    private static partial Regex CidrPattern();
}
