using System.Globalization;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink.Native;
using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Netlink;

public sealed partial class RouteNetlinkClient
{
    /// <summary>The link named <paramref name="name"/>; <see cref="NetlinkException"/> with ENODEV when there is none.</summary>
    public async Task<LinkInfo> GetLinkAsync(string name, CancellationToken cancellationToken)
    {
        var replies = await ExchangeAsync(LinkMessages.GetByName(name), NetlinkSocket.ReplyKind.Single, "RTM_GETLINK " + name, cancellationToken).ConfigureAwait(false);
        return LinkMessages.Parse(SingleReply(replies, "RTM_GETLINK " + name));
    }

    public async Task<LinkInfo> GetLinkAsync(int index, CancellationToken cancellationToken)
    {
        var operation = "RTM_GETLINK index " + index.ToString(CultureInfo.InvariantCulture);
        var replies = await ExchangeAsync(LinkMessages.GetByIndex(index), NetlinkSocket.ReplyKind.Single, operation, cancellationToken).ConfigureAwait(false);
        return LinkMessages.Parse(SingleReply(replies, operation));
    }

    /// <summary>The link named <paramref name="name"/>, or null when the namespace has none.</summary>
    public async Task<LinkInfo?> TryGetLinkAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await GetLinkAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (NetlinkException ex) when (ex.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<LinkInfo>> ListLinksAsync(CancellationToken cancellationToken)
    {
        var replies = await ExchangeAsync(LinkMessages.Dump(), NetlinkSocket.ReplyKind.Dump, "RTM_GETLINK dump", cancellationToken).ConfigureAwait(false);
        return replies.Where(m => m.Type == NlMsgType.NewLink).Select(LinkMessages.Parse).ToList();
    }

    /// <summary>
    /// Creates a veth pair in one request; the peer end is created directly in <see cref="VethPairSpec.PeerNamespace"/>
    /// (IFLA_NET_NS_FD on the peer), so it never appears in this namespace under a temporary name.
    /// </summary>
    public Task CreateVethAsync(VethPairSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var operation = $"RTM_NEWLINK veth {spec.Name} peer {spec.PeerName}" + (spec.PeerNamespace is { } ns ? " netns " + ns.Path : string.Empty);
        return WithNamespaceFdAsync(spec.PeerNamespace, fd => AcknowledgedAsync(LinkMessages.CreateVeth(spec, fd), operation, cancellationToken));
    }

    /// <summary>Creates a passthru macvlan (see <see cref="MacvlanPassthruSpec"/>) in one request.</summary>
    public Task CreateMacvlanPassthruAsync(MacvlanPassthruSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var operation = $"RTM_NEWLINK macvlan passthru {spec.Name} link {spec.LowerIndex}" + (spec.Namespace is { } ns ? " netns " + ns.Path : string.Empty);
        return WithNamespaceFdAsync(spec.Namespace, fd => AcknowledgedAsync(LinkMessages.CreateMacvlanPassthru(spec, fd), operation, cancellationToken));
    }

    /// <summary>Runs <paramref name="request"/> with the namespace's fd number (or null), keeping the fd open until the kernel has answered.</summary>
    private static async Task WithNamespaceFdAsync(NetworkNamespace? ns, Func<int?, Task> request)
    {
        var handle = ns?.Handle;
        var added = false;
        try
        {
            handle?.DangerousAddRef(ref added);
            await request(handle?.Number).ConfigureAwait(false);
        }
        finally
        {
            if (added)
            {
                handle!.DangerousRelease();
            }
        }
    }

    /// <summary>Deletes the link (both ends for a veth); ENODEV when it does not exist.</summary>
    public Task DeleteLinkAsync(string name, CancellationToken cancellationToken) =>
        AcknowledgedAsync(LinkMessages.Delete(name), "RTM_DELLINK " + name, cancellationToken);

    /// <summary>Deletes the link if present; returns whether it was there.</summary>
    public async Task<bool> DeleteLinkIfExistsAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await DeleteLinkAsync(name, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NetlinkException ex) when (ex.Errno == Errno.ENODEV)
        {
            return false;
        }
    }

    /// <summary>Applies <paramref name="changes"/> to link <paramref name="name"/> in one RTM_SETLINK.</summary>
    public async Task SetLinkAsync(string name, LinkChanges changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var index = await ResolveIndexAsync(name, cancellationToken).ConfigureAwait(false);
        await AcknowledgedAsync(LinkMessages.Set(index, changes), $"RTM_SETLINK {name} {changes}", cancellationToken).ConfigureAwait(false);
    }

    public Task RenameLinkAsync(string name, string newName, CancellationToken cancellationToken) =>
        SetLinkAsync(name, new LinkChanges { NewName = newName }, cancellationToken);

    public Task SetMacAddressAsync(string name, PhysicalAddress mac, CancellationToken cancellationToken) =>
        SetLinkAsync(name, new LinkChanges { MacAddress = mac }, cancellationToken);

    public Task SetMtuAsync(string name, int mtu, CancellationToken cancellationToken) =>
        SetLinkAsync(name, new LinkChanges { Mtu = mtu }, cancellationToken);

    public Task SetUpAsync(string name, CancellationToken cancellationToken) =>
        SetLinkAsync(name, new LinkChanges { Up = true }, cancellationToken);

    public Task SetDownAsync(string name, CancellationToken cancellationToken) =>
        SetLinkAsync(name, new LinkChanges { Up = false }, cancellationToken);

    /// <summary>
    /// Moves link <paramref name="name"/> into <paramref name="target"/>, renaming it to <paramref name="newName"/>
    /// in the same request when given (the kernel checks the new name against the target namespace).
    /// A moved link comes up down and loses its addresses, as the kernel always does on a namespace move.
    /// </summary>
    public async Task MoveLinkToNamespaceAsync(string name, NetworkNamespace target, string? newName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var index = await ResolveIndexAsync(name, cancellationToken).ConfigureAwait(false);
        var changes = new LinkChanges { NewName = newName };
        var operation = $"RTM_SETLINK {name} netns {target.Path}" + (newName is null ? string.Empty : " name " + newName);
        await WithNamespaceFdAsync(target, fd => AcknowledgedAsync(LinkMessages.Set(index, changes, fd), operation, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Sets the MAC of virtual function <paramref name="vf"/> of SR-IOV physical function <paramref name="pfName"/>.</summary>
    public async Task SetVfMacAddressAsync(string pfName, int vf, PhysicalAddress mac, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mac);
        var index = await ResolveIndexAsync(pfName, cancellationToken).ConfigureAwait(false);
        var operation = $"RTM_SETLINK {pfName} vf {vf.ToString(CultureInfo.InvariantCulture)} mac {MacFormat.Format(mac)}";
        await AcknowledgedAsync(LinkMessages.SetVfMac(index, vf, mac), operation, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ResolveIndexAsync(string name, CancellationToken cancellationToken) =>
        (await GetLinkAsync(name, cancellationToken).ConfigureAwait(false)).Index;

    private static NetlinkMessage SingleReply(List<NetlinkMessage> replies, string operation) =>
        replies.FirstOrDefault(m => m.Type == NlMsgType.NewLink)
        ?? throw new InvalidDataException($"{operation}: the kernel answered without an RTM_NEWLINK");
}
