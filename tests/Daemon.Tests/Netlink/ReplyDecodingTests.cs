using System.Buffers.Binary;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Netlink.Protocol;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>Decoding of kernel replies from hand-built datagrams.</summary>
public class ReplyDecodingTests
{
    [Fact]
    public void ErrorWithExtendedAckYieldsErrnoAndKernelText()
    {
        // struct nlmsgerr (error + capped request header) followed by NLMSGERR_ATTR_MSG.
        var payload = new NetlinkMessageBuilder(NlMsgType.Error, NlmFlags.AckCapped | NlmFlags.AckTlvs);
        payload.AddInt32Raw(-17);
        payload.AddHeader(new NlMsgHdr { Length = 32, Type = NlMsgType.NewLink });
        payload.AddString(NlmsgErrAttr.Msg, "Device already exists");
        var message = Assert.Single(NetlinkMessage.ParseDatagram(payload.Build(5)));

        var error = NetlinkError.Decode(message);

        Assert.Equal(17, error.Errno);
        Assert.Equal("Device already exists", error.KernelMessage);
    }

    [Fact]
    public void PlainAckDecodesToErrnoZero()
    {
        var payload = new NetlinkMessageBuilder(NlMsgType.Error, NlmFlags.AckCapped);
        payload.AddInt32Raw(0);
        payload.AddHeader(new NlMsgHdr { Length = 16 });
        var error = NetlinkError.Decode(Assert.Single(NetlinkMessage.ParseDatagram(payload.Build(1))));
        Assert.Equal(0, error.Errno);
        Assert.Null(error.KernelMessage);
    }

    [Fact]
    public void ExceptionMessageNamesOperationObjectAndErrno()
    {
        var ex = new NetlinkException("RTM_NEWLINK veth vn1234_h", 17);
        Assert.Equal("RTM_NEWLINK veth vn1234_h: EEXIST (File exists)", ex.Message);
        Assert.Equal("EEXIST", ex.ErrnoName);
    }

    [Fact]
    public void DatagramWithSeveralMessagesIsSplitOnAlignedLengths()
    {
        var first = new NetlinkMessageBuilder(NlMsgType.NewLink, NlmFlags.Multi).AddHeader(new IfInfoMsg { Index = 1 }).AddString(Ifla.IfName, "lo").Build(3);
        var second = new NetlinkMessageBuilder(NlMsgType.NewLink, NlmFlags.Multi).AddHeader(new IfInfoMsg { Index = 2 }).AddString(Ifla.IfName, "eth0").Build(3);
        var done = new NetlinkMessageBuilder(NlMsgType.Done, NlmFlags.Multi).Build(3);

        var messages = NetlinkMessage.ParseDatagram([.. first, .. second, .. done]);

        Assert.Equal([NlMsgType.NewLink, NlMsgType.NewLink, NlMsgType.Done], messages.Select(m => m.Type));
        Assert.Equal(["lo", "eth0"], messages.Take(2).Select(m => LinkMessages.Parse(m).Name));
        Assert.Equal(2, LinkMessages.Parse(messages[1]).Index);
    }

    [Fact]
    public void TruncatedMessageIsRejected()
    {
        var bytes = new NetlinkMessageBuilder(NlMsgType.NewLink, 0).AddHeader(new IfInfoMsg()).Build(1);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 200);
        Assert.Throws<InvalidDataException>(() => NetlinkMessage.ParseDatagram(bytes));
    }
}

internal static class BuilderTestExtensions
{
    public static NetlinkMessageBuilder AddInt32Raw(this NetlinkMessageBuilder builder, int value) =>
        builder.AddHeader(value);

    /// <summary>Appends bytes that are a whole number of 4-byte words, with no attribute header.</summary>
    public static NetlinkMessageBuilder AddAttributeRaw(this NetlinkMessageBuilder builder, byte[] words)
    {
        for (var i = 0; i < words.Length; i += 4)
        {
            builder.AddHeader(BinaryPrimitives.ReadInt32LittleEndian(words.AsSpan(i)));
        }

        return builder;
    }
}

public class MalformedReplyTests
{
    [Fact]
    public void AttributeLongerThanItsMessageIsRejectedNamingItsType()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 12);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), Ifla.Mtu);
        var ex = Assert.Throws<InvalidDataException>(() => NetlinkAttributes.Parse(bytes));
        Assert.Contains("type 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorThatEchoesTheWholeRequestStillYieldsKernelText()
    {
        // Without NETLINK_CAP_ACK the kernel copies the full request before the extended-ack TLVs.
        var request = LinkMessages.Delete("eth9").Build(4);
        var error = new NetlinkMessageBuilder(NlMsgType.Error, NlmFlags.AckTlvs);
        error.AddInt32Raw(-19);
        error.AddAttributeRaw(request);
        error.AddString(NlmsgErrAttr.Msg, "no such device");
        var decoded = NetlinkError.Decode(Assert.Single(NetlinkMessage.ParseDatagram(error.Build(4))));
        Assert.Equal(19, decoded.Errno);
        Assert.Equal("no such device", decoded.KernelMessage);
    }
}
