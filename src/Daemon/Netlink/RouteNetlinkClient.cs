using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// rtnetlink (NETLINK_ROUTE) client for links, addresses and routes of ONE network namespace: the one its
/// socket was created in. Use <see cref="Open"/> for the caller's namespace and <see cref="OpenInAsync"/>
/// for another one (e.g. a pod's); the client may then be used from any thread. Thread-safe.
/// Every failure the kernel reports becomes a <see cref="NetlinkException"/> naming operation and object.
/// </summary>
public sealed partial class RouteNetlinkClient : IDisposable
{
    private readonly NetlinkSocket _socket;

    private RouteNetlinkClient(NetlinkSocket socket, string namespaceDescription)
    {
        _socket = socket;
        Namespace = namespaceDescription;
    }

    /// <summary>Where the socket lives, for messages: "current" or the namespace path.</summary>
    public string Namespace { get; }

    /// <summary>Opens a client in the network namespace of the calling thread.</summary>
    public static RouteNetlinkClient Open() => new(NetlinkSocket.Open(), "current");

    /// <summary>Opens a client whose socket lives in <paramref name="networkNamespace"/>.</summary>
    public static Task<RouteNetlinkClient> OpenInAsync(NetworkNamespace networkNamespace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networkNamespace);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(networkNamespace.Run(() => new RouteNetlinkClient(NetlinkSocket.Open(), networkNamespace.Path)));
    }

    public void Dispose() => _socket.Dispose();

    private Task<List<NetlinkMessage>> ExchangeAsync(NetlinkMessageBuilder request, NetlinkSocket.ReplyKind kind, string operation, CancellationToken cancellationToken) =>
        _socket.ExchangeAsync(request, kind, operation, cancellationToken);

    private async Task AcknowledgedAsync(NetlinkMessageBuilder request, string operation, CancellationToken cancellationToken) =>
        await ExchangeAsync(request, NetlinkSocket.ReplyKind.Acknowledgement, operation, cancellationToken).ConfigureAwait(false);
}
