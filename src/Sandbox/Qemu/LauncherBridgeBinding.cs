namespace VmNet.Sandbox.Qemu;

/// <summary>KubeVirt's bridge binding (<see cref="LauncherBridge"/>): QEMU in the launcher netns, tap0 bridged to eth0, whose br-int port stays the daemon's.</summary>
public sealed class LauncherBridgeBinding : ILauncherBinding
{
    public string Name => "bridge binding";

    public string NetdevOptions => string.Empty;

    public async Task<LauncherNic> ConnectAsync(LauncherPlug plug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plug);
        await LauncherBridge.ConvertAsync(plug.Netns, plug.Mtu, cancellationToken).ConfigureAwait(false);
        return new LauncherNic(plug.Netns, BridgeBinding.Tap, plug.HostPort, _ => Task.CompletedTask);
    }
}
