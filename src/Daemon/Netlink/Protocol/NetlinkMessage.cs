using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>One message received from the kernel: its header fields and a copy of its payload.</summary>
internal sealed record NetlinkMessage(ushort Type, ushort Flags, uint Sequence, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Splits one datagram into messages, following nlmsg_len with NLMSG_ALIGN.</summary>
    public static List<NetlinkMessage> ParseDatagram(ReadOnlySpan<byte> datagram)
    {
        var messages = new List<NetlinkMessage>();
        var offset = 0;
        while (offset + NlMsgHdr.Size <= datagram.Length)
        {
            var header = MemoryMarshal.Read<NlMsgHdr>(datagram[offset..]);
            if (header.Length < NlMsgHdr.Size || offset + header.Length > datagram.Length)
            {
                throw new InvalidDataException($"netlink message at offset {offset} has bad length {header.Length} (datagram {datagram.Length})");
            }

            var payload = datagram.Slice(offset + NlMsgHdr.Size, (int)header.Length - NlMsgHdr.Size).ToArray();
            messages.Add(new NetlinkMessage(header.Type, header.Flags, header.Sequence, payload));
            offset += NetlinkMessageBuilder.Align((int)header.Length);
        }

        return messages;
    }

    public T ReadHeader<T>()
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        if (Payload.Length < size)
        {
            throw new InvalidDataException($"{NlMsgType.Name(Type)} payload of {Payload.Length} bytes is shorter than its {typeof(T).Name} ({size} bytes)");
        }

        return MemoryMarshal.Read<T>(Payload.Span);
    }

    /// <summary>The rtattrs after the fixed header of <paramref name="headerSize"/> bytes.</summary>
    public NetlinkAttributes Attributes(int headerSize) =>
        NetlinkAttributes.Parse(Payload[Math.Min(NetlinkMessageBuilder.Align(headerSize), Payload.Length)..]);
}
