using System.Buffers.Binary;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>
/// Decodes an NLMSG_ERROR payload: struct nlmsgerr { int error; struct nlmsghdr msg; } followed, when the
/// ack carries NLM_F_ACK_TLVS, by extended-ack attributes (the kernel's own explanation text). With
/// NETLINK_CAP_ACK set on the socket the original request is not echoed, so the TLVs follow the header.
/// </summary>
internal readonly record struct NetlinkError(int Errno, string? KernelMessage)
{
    public static NetlinkError Decode(NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < 4)
        {
            throw new InvalidDataException($"NLMSG_ERROR payload of {payload.Length} bytes has no error code");
        }

        var errno = -BinaryPrimitives.ReadInt32LittleEndian(payload.Span);
        string? text = null;
        if ((message.Flags & NlmFlags.AckTlvs) != 0)
        {
            var echoed = NlMsgHdr.Size;
            if ((message.Flags & NlmFlags.AckCapped) == 0 && payload.Length >= 4 + NlMsgHdr.Size)
            {
                echoed = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload.Span[4..]);
            }

            var tlvStart = 4 + NetlinkMessageBuilder.Align(echoed);
            if (tlvStart <= payload.Length)
            {
                text = NetlinkAttributes.Parse(payload[tlvStart..]).String(NlmsgErrAttr.Msg);
            }
        }

        return new NetlinkError(errno, string.IsNullOrEmpty(text) ? null : text);
    }
}
