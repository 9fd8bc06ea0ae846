namespace VmNet.Sandbox.Demo;

/// <summary>What runs a VM's guest in the sandbox: a real QEMU (TCG) guest or the launcher's network namespace itself.</summary>
public interface IDemoGuest : IAsyncDisposable
{
    string Vm { get; }

    /// <summary>"QEMU guest" or "netns guest".</summary>
    string Kind { get; }

    /// <summary>The launcher pod the guest runs in now.</summary>
    LauncherSandbox Launcher { get; }

    /// <summary>A netns with the guest's addresses where commands can run (the netns guest), or null (QEMU).</summary>
    string? ShellNetns { get; }

    /// <summary>The guest's own view of its primary NIC: "mac=.. ip=.." read from inside the guest.</summary>
    Task<GuestView> ViewFromInsideAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The primary NIC as the guest sees it. <see cref="BootId"/> changes on every boot (a QEMU guest's kernel
/// boot_id; a netns guest's launcher netns), so a restart and a live migration are told apart.
/// </summary>
public sealed record GuestView(string Mac, string IpCidr, string BootId, string Source)
{
    public string Ip => IpCidr.Split('/')[0];

    public override string ToString() => $"mac={Mac} ip={IpCidr} boot={BootId} ({Source})";
}
