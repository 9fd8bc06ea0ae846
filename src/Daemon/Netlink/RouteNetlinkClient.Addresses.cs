using System.Net.Sockets;
using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Netlink;

public sealed partial class RouteNetlinkClient
{
    /// <summary>Adds <paramref name="address"/> to link <paramref name="interfaceName"/>; EEXIST when already there.</summary>
    public async Task AddAddressAsync(string interfaceName, InterfaceAddress address, AddressOptions? options, CancellationToken cancellationToken)
    {
        var index = await ResolveIndexAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        var request = AddressMessages.Add(index, address, options ?? AddressOptions.Default);
        await AcknowledgedAsync(request, $"RTM_NEWADDR {address} dev {interfaceName}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes <paramref name="address"/> from the link; EADDRNOTAVAIL when it has no such address.</summary>
    public async Task DeleteAddressAsync(string interfaceName, InterfaceAddress address, CancellationToken cancellationToken)
    {
        var index = await ResolveIndexAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        await AcknowledgedAsync(AddressMessages.Delete(index, address), $"RTM_DELADDR {address} dev {interfaceName}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Addresses of one link (or of all links when <paramref name="interfaceName"/> is null).</summary>
    public async Task<IReadOnlyList<AddressInfo>> ListAddressesAsync(string? interfaceName, AddressFamily family, CancellationToken cancellationToken)
    {
        int? index = interfaceName is null ? null : await ResolveIndexAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        var replies = await ExchangeAsync(AddressMessages.Dump(family), NetlinkSocket.ReplyKind.Dump, "RTM_GETADDR dump", cancellationToken).ConfigureAwait(false);
        return replies
            .Where(m => m.Type == NlMsgType.NewAddr)
            .Select(AddressMessages.Parse)
            .Where(a => index is null || a.InterfaceIndex == index)
            .ToList();
    }
}
