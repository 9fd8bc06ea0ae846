using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>
/// Builds one netlink request: nlmsghdr, a fixed family header, then rtattrs, every item padded to
/// 4 bytes as NLMSG_ALIGN/RTA_ALIGN require. Nested attributes are opened and closed explicitly so
/// their length is patched once their content is known.
/// </summary>
internal sealed class NetlinkMessageBuilder
{
    internal const int Alignment = 4;
    private const int AttributeHeaderSize = 4;

    private byte[] _buffer = new byte[256];
    private int _length;

    public NetlinkMessageBuilder(ushort type, ushort flags)
    {
        Type = type;
        Flags = flags;
        _length = NlMsgHdr.Size;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    internal static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);

    public NetlinkMessageBuilder AddHeader<T>(in T header)
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var span = Reserve(size);
        MemoryMarshal.Write(span, in header);
        return this;
    }

    public NetlinkMessageBuilder AddAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        var span = Reserve(AttributeHeaderSize + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)(AttributeHeaderSize + value.Length)));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        value.CopyTo(span[AttributeHeaderSize..]);
        return this;
    }

    /// <summary>A NUL-terminated string attribute, as the kernel's NLA_STRING/NLA_NUL_STRING policies expect.</summary>
    public NetlinkMessageBuilder AddString(ushort type, string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return AddAttribute(type, bytes);
    }

    public NetlinkMessageBuilder AddUInt32(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return AddAttribute(type, bytes);
    }

    public NetlinkMessageBuilder AddInt32(ushort type, int value) => AddUInt32(type, unchecked((uint)value));

    /// <summary>Opens a nested attribute; returns the token to pass to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        var span = Reserve(AttributeHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)(type | Attr.NestedFlag));
        return start;
    }

    public void EndNested(int start)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), checked((ushort)(_length - start)));
    }

    /// <summary>Writes the nlmsghdr and returns the finished message.</summary>
    public byte[] Build(uint sequence)
    {
        var header = new NlMsgHdr { Length = (uint)_length, Type = Type, Flags = Flags, Sequence = sequence, PortId = 0 };
        MemoryMarshal.Write(_buffer.AsSpan(), in header);
        return _buffer.AsSpan(0, _length).ToArray();
    }

    /// <summary>Appends <paramref name="size"/> zeroed bytes plus alignment padding; returns the unpadded part.</summary>
    private Span<byte> Reserve(int size)
    {
        var padded = Align(size);
        if (_length + padded > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + padded));
        }

        var span = _buffer.AsSpan(_length, padded);
        span.Clear();
        _length += padded;
        return span[..size];
    }
}
