using System.Collections.Concurrent;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Sets and clears an OVS Interface's <c>external_ids:iface-id</c> over one long-lived OVSDB connection per node, as a
/// node agent holding its connection does: one transaction, done when it commits (ovn-controller acts on the committed
/// row; nothing waits for ovs-vswitchd), with no process started per change.
/// </summary>
public sealed class OvsdbIfaceIds : IAsyncDisposable
{
    private const string IfaceId = "iface-id";
    private readonly ConcurrentDictionary<string, Lazy<Task<OvsdbClient>>> _clients = new(StringComparer.Ordinal);

    /// <summary>Connects to <paramref name="node"/>'s OVSDB now, so that the first change does not pay for it.</summary>
    public Task ConnectAsync(OvsNode node, CancellationToken cancellationToken) => ClientAsync(node).WaitAsync(cancellationToken);

    public async Task SetAsync(OvsNode node, string interfaceName, string logicalPort, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(node).WaitAsync(cancellationToken).ConfigureAwait(false);
        await client.TransactAsync(
            [
                Mutate(interfaceName, Mutation.Delete("external_ids", OvsdbSet.From([IfaceId]))),
                Mutate(interfaceName, Mutation.Insert("external_ids", OvsdbMap.Of(new Dictionary<string, string> { [IfaceId] = logicalPort }))),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task ClearAsync(OvsNode node, string interfaceName, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(node).WaitAsync(cancellationToken).ConfigureAwait(false);
        await client.TransactAsync([Mutate(interfaceName, Mutation.Delete("external_ids", OvsdbSet.From([IfaceId])))], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            try
            {
                await (await client.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OvsdbException or IOException or OperationCanceledException)
            {
                // It never connected: nothing to close.
            }
        }
    }

    private static MutateOperation Mutate(string interfaceName, Mutation mutation) =>
        new(Interface.Table, [Condition.Equal("name", interfaceName)], [mutation]);

    /// <summary>The node's connection, opened once; it outlives its first caller, so it is not bound to that caller's cancellation.</summary>
    private Task<OvsdbClient> ClientAsync(OvsNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return _clients.GetOrAdd(node.Name, _ => new Lazy<Task<OvsdbClient>>(() => OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Parse(node.Ovsdb.UnixConnection)], Database = "Open_vSwitch", Tables = ["Open_vSwitch"] },
            CancellationToken.None))).Value;
    }
}
