using VmNet.Ovsdb;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;
using VmNet.Sandbox.Rig;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>The same client on the Open_vSwitch database, over TCP, checked with ovs-vsctl.</summary>
public sealed class VswitchTests : IAsyncLifetime
{
    private TestOvsdbServer _server = null!;

    public async Task InitializeAsync() => _server = await TestOvsdbServer.StartOpenVSwitchAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> VsctlAsync(params string[] args) =>
        (await CommandRunner.RunCheckedAsync("ovs-vsctl", new[] { "--db=" + _server.Process.UnixConnection, "--no-wait" }.Concat(args), TimeSpan.FromSeconds(20))).Stdout.Trim();

    [Fact]
    public async Task BridgesPortsAndInterfacesRoundTripThroughTypedRows()
    {
        await VsctlAsync("init");
        await using var client = await _server.ConnectAsync(_server.Tcp);
        var root = Assert.Single(client.Cache.Rows<OpenVSwitch>());

        // One transaction: interface, port, bridge, and the bridge attached to the root row.
        var owner = new Ownership("Node", "node-1");
        OvsdbOperation[] ops =
        [
            Ops.InsertOwned(new Interface { Name = "vm-tap0", Type = "internal" }, owner, "iface"),
            new InsertOperation(Port.Table, new Dictionary<string, object?> { ["name"] = "vm-tap0", ["interfaces"] = OvsdbSet.Of(new NamedUuid("iface")), ["tag"] = 42L }, "port"),
            new InsertOperation(Bridge.Table, new Dictionary<string, object?> { ["name"] = "br-vmnet", ["ports"] = OvsdbSet.Of(new NamedUuid("port")) }, "br"),
            Ops.AddToSet(OpenVSwitch.Table, root.Uuid, "bridges", new NamedUuid("br")),
        ];
        await client.TransactAsync(ops, Timeouts.Token());

        Assert.Equal("br-vmnet", await VsctlAsync("list-br"));
        Assert.Equal("vm-tap0", await VsctlAsync("list-ports", "br-vmnet"));
        Assert.Equal("42", await VsctlAsync("get", "Port", "vm-tap0", "tag"));
        Assert.Equal("Node", (await VsctlAsync("get", "Interface", "vm-tap0", "external_ids:\"vmnet.io/owner-kind\"")).Trim('"'));

        await VsctlAsync("set", "Interface", "vm-tap0", "external_ids:iface-id=lsp-1", "mtu_request=1400");
        var iface = Interface.FromRow(await client.Cache.WaitForRowAsync(Interface.Table, r => r.ExternalId("iface-id") == "lsp-1", Timeouts.Token()));
        Assert.Equal(1400, iface.MtuRequest);
        Assert.Equal(owner, Ownership.FromExternalIds(iface.ExternalIds));
        var port = Assert.Single(client.Cache.FindByName<Port>("vm-tap0"));
        Assert.Equal([iface.Uuid], port.Interfaces);
        Assert.Equal(42, port.Tag);
    }
}
