using System.Buffers.Binary;
using System.Net.NetworkInformation;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>Encodes RTM_*LINK requests and decodes RTM_NEWLINK replies.</summary>
internal static class LinkMessages
{
    internal const int MaxNameLength = 15;
    private const uint IffUp = 0x1;

    public static NetlinkMessageBuilder GetByName(string name) =>
        new NetlinkMessageBuilder(NlMsgType.GetLink, NlmFlags.Request)
            .AddHeader(new IfInfoMsg())
            .AddString(Ifla.IfName, ValidName(name));

    public static NetlinkMessageBuilder GetByIndex(int index) =>
        new NetlinkMessageBuilder(NlMsgType.GetLink, NlmFlags.Request).AddHeader(new IfInfoMsg { Index = index });

    public static NetlinkMessageBuilder Dump() =>
        new NetlinkMessageBuilder(NlMsgType.GetLink, NlmFlags.Request | NlmFlags.Dump).AddHeader(new IfInfoMsg());

    public static NetlinkMessageBuilder CreateVeth(VethPairSpec spec, int? peerNamespaceFd)
    {
        var message = new NetlinkMessageBuilder(NlMsgType.NewLink, NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Excl)
            .AddHeader(new IfInfoMsg())
            .AddString(Ifla.IfName, ValidName(spec.Name));
        AddCommon(message, spec.Mtu, spec.MacAddress);
        var linkInfo = message.BeginNested(Ifla.LinkInfo);
        message.AddString(IflaInfo.Kind, "veth");
        var data = message.BeginNested(IflaInfo.Data);

        // VETH_INFO_PEER carries a whole ifinfomsg plus link attributes for the other end.
        var peer = message.BeginNested(VethInfo.Peer);
        message.AddHeader(new IfInfoMsg()).AddString(Ifla.IfName, ValidName(spec.PeerName));
        AddCommon(message, spec.Mtu, spec.PeerMacAddress);
        if (peerNamespaceFd is { } fd)
        {
            message.AddInt32(Ifla.NetNsFd, fd);
        }

        message.EndNested(peer);
        message.EndNested(data);
        message.EndNested(linkInfo);
        return message;
    }

    /// <summary>
    /// RTM_NEWLINK of a passthru macvlan on the lower device with <see cref="MacvlanPassthruSpec.LowerIndex"/>, created
    /// directly in the namespace of <paramref name="namespaceFd"/> (up at once when asked: the kernel applies the
    /// header's flags to a new link), so the device never crosses namespaces.
    /// </summary>
    public static NetlinkMessageBuilder CreateMacvlanPassthru(MacvlanPassthruSpec spec, int? namespaceFd)
    {
        var header = new IfInfoMsg();
        if (spec.Up)
        {
            header.Flags = IffUp;
            header.Change = IffUp;
        }

        var message = new NetlinkMessageBuilder(NlMsgType.NewLink, NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Excl)
            .AddHeader(header)
            .AddString(Ifla.IfName, ValidName(spec.Name))
            .AddInt32(Ifla.Link, spec.LowerIndex);
        AddCommon(message, spec.Mtu, mac: null);
        if (namespaceFd is { } fd)
        {
            message.AddInt32(Ifla.NetNsFd, fd);
        }

        var linkInfo = message.BeginNested(Ifla.LinkInfo);
        message.AddString(IflaInfo.Kind, "macvlan");
        var data = message.BeginNested(IflaInfo.Data);
        message.AddUInt32(MacvlanInfo.Mode, MacvlanInfo.ModePassthru);
        message.EndNested(data);
        message.EndNested(linkInfo);
        return message;
    }

    public static NetlinkMessageBuilder Delete(string name) =>
        new NetlinkMessageBuilder(NlMsgType.DelLink, NlmFlags.Request | NlmFlags.Ack)
            .AddHeader(new IfInfoMsg())
            .AddString(Ifla.IfName, ValidName(name));

    /// <summary>
    /// RTM_SETLINK on the link with <paramref name="index"/>. Addressing by index (not name) is what lets
    /// the same request carry a new name in IFLA_IFNAME.
    /// </summary>
    public static NetlinkMessageBuilder Set(int index, LinkChanges changes, int? targetNamespaceFd = null)
    {
        var header = new IfInfoMsg { Index = index };
        if (changes.Up is { } up)
        {
            header.Flags = up ? IffUp : 0;
            header.Change = IffUp;
        }

        var message = new NetlinkMessageBuilder(NlMsgType.SetLink, NlmFlags.Request | NlmFlags.Ack).AddHeader(header);
        if (changes.NewName is not null)
        {
            message.AddString(Ifla.IfName, ValidName(changes.NewName));
        }

        AddCommon(message, changes.Mtu, changes.MacAddress);
        if (targetNamespaceFd is { } fd)
        {
            message.AddInt32(Ifla.NetNsFd, fd);
        }

        return message;
    }

    /// <summary>Sets the MAC of virtual function <paramref name="vf"/> through its physical function.</summary>
    public static NetlinkMessageBuilder SetVfMac(int pfIndex, int vf, PhysicalAddress mac)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vf);
        var bytes = mac.GetAddressBytes();
        if (bytes.Length is 0 or > IflaVf.MacFieldLength)
        {
            throw new ArgumentException($"VF MAC {mac} must be 1..{IflaVf.MacFieldLength} bytes", nameof(mac));
        }

        // struct ifla_vf_mac { __u32 vf; __u8 mac[32]; }: the MAC left-aligned, zero-padded.
        var value = new byte[4 + IflaVf.MacFieldLength];
        BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)vf);
        bytes.CopyTo(value, 4);

        var message = new NetlinkMessageBuilder(NlMsgType.SetLink, NlmFlags.Request | NlmFlags.Ack)
            .AddHeader(new IfInfoMsg { Index = pfIndex });
        var list = message.BeginNested(Ifla.VfInfoList);
        var info = message.BeginNested(IflaVf.Info);
        message.AddAttribute(IflaVf.Mac, value);
        message.EndNested(info);
        message.EndNested(list);
        return message;
    }

    public static LinkInfo Parse(NetlinkMessage message)
    {
        var header = message.ReadHeader<IfInfoMsg>();
        var attributes = message.Attributes(IfInfoMsg.Size);
        var operState = attributes.TryGet(Ifla.OperState, out var state) && state.Length > 0 ? (LinkOperState)state.Span[0] : LinkOperState.Unknown;
        return new LinkInfo(
            header.Index,
            attributes.String(Ifla.IfName) ?? string.Empty,
            attributes.Hardware(Ifla.Address),
            (int)(attributes.UInt32(Ifla.Mtu) ?? 0),
            header.Flags,
            header.Type,
            attributes.Nested(Ifla.LinkInfo)?.String(IflaInfo.Kind),
            attributes.Int32(Ifla.Master),
            attributes.Int32(Ifla.Link),
            attributes.Int32(Ifla.LinkNetNsId),
            operState);
    }

    /// <summary>Interface names are at most IFNAMSIZ-1 bytes and contain no '/', NUL or whitespace.</summary>
    internal static string ValidName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameLength || System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameLength)
        {
            throw new ArgumentException($"interface name '{name}' is longer than {MaxNameLength} bytes", nameof(name));
        }

        if (name is "." or ".." || name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"interface name '{name}' contains a character the kernel rejects ('/', ':', whitespace or control)", nameof(name));
        }

        return name;
    }

    private static void AddCommon(NetlinkMessageBuilder message, int? mtu, PhysicalAddress? mac)
    {
        if (mac is not null)
        {
            message.AddAttribute(Ifla.Address, mac.GetAddressBytes());
        }

        if (mtu is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, nameof(mtu));
            message.AddUInt32(Ifla.Mtu, (uint)value);
        }
    }
}
