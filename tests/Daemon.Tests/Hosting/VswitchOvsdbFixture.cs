using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.Daemon.Tests.Hosting;

/// <summary>A bare Open_vSwitch ovsdb-server, initialised like a fresh node (one Open_vSwitch row, no bridges).</summary>
public sealed class VswitchOvsdbFixture : OvsdbServerFixture
{
    protected override OvsdbServerOptions CreateOptions(string directory) => OvsdbServerOptions.ForOpenVSwitch(directory);

    public Task<CommandResult> VsctlAsync(params string[] args) =>
        CommandRunner.RunCheckedAsync("ovs-vsctl", new[] { "--db=" + UnixConnection, "--no-wait" }.Concat(args), TimeSpan.FromSeconds(20));
}
