using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>Byte-level checks of request encoding: no kernel needed.</summary>
public class MessageEncodingTests
{
    [Fact]
    public void StringAttributeIsNulTerminatedAndPaddedToFourBytes()
    {
        var bytes = new NetlinkMessageBuilder(NlMsgType.GetLink, NlmFlags.Request)
            .AddHeader(new IfInfoMsg())
            .AddString(Ifla.IfName, "abcd")
            .AddUInt32(Ifla.Mtu, 1400)
            .Build(sequence: 7);

        // 16 nlmsghdr + 16 ifinfomsg + (4 + "abcd\0" = 9, padded 12) + (4 + 4)
        Assert.Equal(16 + 16 + 12 + 8, bytes.Length);
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(NlMsgType.GetLink, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(9, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(0, bytes[32 + 4 + 4]);
        Assert.Equal(1400u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(48)));
    }

    [Fact]
    public void VethRequestNestsPeerInfoWithNamespaceFd()
    {
        var spec = new VethPairSpec("vn1234_h", "vn1234_c") { Mtu = 1400, PeerMacAddress = PhysicalAddress.Parse("0a:58:0a:10:00:05") };
        var message = Parse(LinkMessages.CreateVeth(spec, peerNamespaceFd: 42));

        Assert.Equal(NlMsgType.NewLink, message.Type);
        Assert.Equal(NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Excl, message.Flags);
        var attributes = message.Attributes(IfInfoMsg.Size);
        Assert.Equal("vn1234_h", attributes.String(Ifla.IfName));
        Assert.Equal(1400u, attributes.UInt32(Ifla.Mtu));
        Assert.Null(attributes.Int32(Ifla.NetNsFd));

        var linkInfo = attributes.Nested(Ifla.LinkInfo)!;
        Assert.Equal("veth", linkInfo.String(IflaInfo.Kind));
        Assert.True(linkInfo.Nested(IflaInfo.Data)!.TryGet(VethInfo.Peer, out var peer));

        // The peer payload is a full ifinfomsg followed by the peer's link attributes.
        var peerAttributes = NetlinkAttributes.Parse(peer[IfInfoMsg.Size..]);
        Assert.Equal("vn1234_c", peerAttributes.String(Ifla.IfName));
        Assert.Equal(42, peerAttributes.Int32(Ifla.NetNsFd));
        Assert.Equal("0A580A100005", peerAttributes.Hardware(Ifla.Address)!.ToString());
    }

    [Fact]
    public void NestedAttributeHeaderCarriesNestedFlagAndTotalLength()
    {
        var bytes = LinkMessages.CreateVeth(new VethPairSpec("a", "b"), null).Build(1);
        var linkInfoOffset = 16 + 16 + 8; // after header, ifinfomsg and IFLA_IFNAME "a\0" (4 + 2, padded 8)
        Assert.Equal(Ifla.LinkInfo | 0x8000, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(linkInfoOffset + 2)));
        Assert.Equal(bytes.Length - linkInfoOffset, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(linkInfoOffset)));
    }

    [Fact]
    public void VfMacRequestMatchesKernelLayoutByteForByte()
    {
        var bytes = LinkMessages.SetVfMac(pfIndex: 5, vf: 3, PhysicalAddress.Parse("02:11:22:33:44:55")).Build(9);

        var expected = new byte[80];
        BinaryPrimitives.WriteUInt32LittleEndian(expected, 80);
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(4), 19); // RTM_SETLINK
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(6), 0x5); // NLM_F_REQUEST | NLM_F_ACK
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(8), 9);
        BinaryPrimitives.WriteInt32LittleEndian(expected.AsSpan(16 + 4), 5); // ifi_index
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(32), 48); // IFLA_VFINFO_LIST
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(34), 22 | 0x8000);
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(36), 44); // IFLA_VF_INFO
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(38), 1 | 0x8000);
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(40), 40); // IFLA_VF_MAC: 4 + sizeof(ifla_vf_mac)
        BinaryPrimitives.WriteUInt16LittleEndian(expected.AsSpan(42), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(44), 3); // vf
        new byte[] { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }.CopyTo(expected, 48); // mac[32], zero-padded
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void SetLinkWithUpSetsOnlyTheUpBitInChangeMask()
    {
        var message = Parse(LinkMessages.Set(12, new LinkChanges { Up = true, NewName = "eth0", Mtu = 1400 }));
        var header = message.ReadHeader<IfInfoMsg>();
        Assert.Equal(12, header.Index);
        Assert.Equal(1u, header.Flags);
        Assert.Equal(1u, header.Change);
        Assert.Equal("eth0", message.Attributes(IfInfoMsg.Size).String(Ifla.IfName));

        var down = Parse(LinkMessages.Set(12, new LinkChanges { Up = false })).ReadHeader<IfInfoMsg>();
        Assert.Equal(0u, down.Flags);
        Assert.Equal(1u, down.Change);

        var untouched = Parse(LinkMessages.Set(12, new LinkChanges { Mtu = 9000 })).ReadHeader<IfInfoMsg>();
        Assert.Equal(0u, untouched.Change);
    }

    [Fact]
    public void Ipv4AddressCarriesLocalAddressAndBroadcast()
    {
        var message = Parse(AddressMessages.Add(3, InterfaceAddress.Parse("10.16.0.5/16"), AddressOptions.Default));
        var header = message.ReadHeader<IfAddrMsg>();
        Assert.Equal(2, header.Family);
        Assert.Equal(16, header.PrefixLength);
        Assert.Equal(3, header.Index);
        var attributes = message.Attributes(IfAddrMsg.Size);
        Assert.Equal(IPAddress.Parse("10.16.0.5"), attributes.Address(Ifa.Local));
        Assert.Equal(IPAddress.Parse("10.16.255.255"), attributes.Address(Ifa.Broadcast));
        Assert.Null(attributes.UInt32(Ifa.Flags));
    }

    [Fact]
    public void Ipv6NoDadAddressSetsFlagInHeaderAndIfaFlags()
    {
        var message = Parse(AddressMessages.Add(3, InterfaceAddress.Parse("fd00:10:16::5/64"), new AddressOptions(NoDad: true)));
        var header = message.ReadHeader<IfAddrMsg>();
        Assert.Equal(10, header.Family);
        Assert.Equal(AddressInfo.FlagNoDad, header.Flags);
        var attributes = message.Attributes(IfAddrMsg.Size);
        Assert.Equal(AddressInfo.FlagNoDad, attributes.UInt32(Ifa.Flags));
        Assert.False(attributes.TryGet(Ifa.Broadcast, out _));
    }

    [Fact]
    public void DefaultRouteHasNoDestinationAndUniverseScope()
    {
        var message = Parse(RouteMessages.Build(RouteMessages.Mode.Add, RouteSpec.DefaultVia(IPAddress.Parse("10.16.0.1")), outputIndex: 4));
        var header = message.ReadHeader<RtMsg>();
        Assert.Equal(0, header.DestinationLength);
        Assert.Equal(RouteConstants.ScopeUniverse, header.Scope);
        Assert.Equal(RouteConstants.TableMain, header.Table);
        var attributes = message.Attributes(RtMsg.Size);
        Assert.False(attributes.TryGet(Rta.Dst, out _));
        Assert.Equal(IPAddress.Parse("10.16.0.1"), attributes.Address(Rta.Gateway));
        Assert.Equal(4, attributes.Int32(Rta.Oif));
    }

    [Fact]
    public void OnLinkRouteUsesLinkScopeAndNetworkAddressAndLargeTableInAttribute()
    {
        var route = RouteSpec.OnLinkVia(InterfaceAddress.Parse("192.168.7.9/24"), "eth0") with { Table = 1000, Metric = 50 };
        var message = Parse(RouteMessages.Build(RouteMessages.Mode.Replace, route, outputIndex: 2));
        Assert.Equal(NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Replace, message.Flags);
        var header = message.ReadHeader<RtMsg>();
        Assert.Equal(RouteConstants.ScopeLink, header.Scope);
        Assert.Equal(RouteConstants.TableUnspec, header.Table);
        var attributes = message.Attributes(RtMsg.Size);
        Assert.Equal(IPAddress.Parse("192.168.7.0"), attributes.Address(Rta.Dst));
        Assert.Equal(1000u, attributes.UInt32(Rta.Table));
        Assert.Equal(50u, attributes.UInt32(Rta.Priority));
    }

    [Fact]
    public void RouteWithGatewayOfOtherFamilyIsRejected()
    {
        var route = new RouteSpec { Destination = InterfaceAddress.Parse("10.0.0.0/8"), Gateway = IPAddress.Parse("fd00::1") };
        var ex = Assert.Throws<ArgumentException>(() => RouteMessages.Build(RouteMessages.Mode.Add, route, 1));
        Assert.Contains("fd00::1", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sixteen-chars-xx")]
    [InlineData("a/b")]
    [InlineData("has space")]
    [InlineData("")]
    public void InvalidInterfaceNamesAreRejectedBeforeReachingTheKernel(string name)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => LinkMessages.GetByName(name));
        Assert.Contains("name", ex.Message, StringComparison.Ordinal);
    }

    private static NetlinkMessage Parse(NetlinkMessageBuilder builder) =>
        Assert.Single(NetlinkMessage.ParseDatagram(builder.Build(1)));
}

public class RouteSpecTests
{
    [Fact]
    public void RouteWithoutDestinationOrGatewayHasNoFamilyAndSaysSo()
    {
        var route = new RouteSpec { InterfaceName = "eth0" };
        var ex = Assert.Throws<InvalidOperationException>(() => route.Family);
        Assert.Contains("default dev eth0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DescriptionReadsLikeIpRoute() =>
        Assert.Equal("10.99.0.0/16 via 10.16.0.1 dev eth0 table 100 metric 5",
            new RouteSpec { Destination = InterfaceAddress.Parse("10.99.1.2/16"), Gateway = System.Net.IPAddress.Parse("10.16.0.1"), InterfaceName = "eth0", Table = 100, Metric = 5 }.ToString());
}
