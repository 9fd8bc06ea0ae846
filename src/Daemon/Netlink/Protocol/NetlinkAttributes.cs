using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>
/// The rtattrs of one message (or of one nested attribute), indexed by type. When a type repeats the
/// last one wins, except through <see cref="All"/> which keeps every occurrence (IFLA_VF_INFO lists).
/// </summary>
internal sealed class NetlinkAttributes
{
    private readonly List<(ushort Type, ReadOnlyMemory<byte> Value)> _items;

    private NetlinkAttributes(List<(ushort, ReadOnlyMemory<byte>)> items) => _items = items;

    public static NetlinkAttributes Parse(ReadOnlyMemory<byte> data)
    {
        var items = new List<(ushort, ReadOnlyMemory<byte>)>();
        var offset = 0;
        var span = data.Span;
        while (offset + 4 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(span[offset..]);
            var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span[(offset + 2)..]) & Attr.TypeMask);
            if (length < 4 || offset + length > data.Length)
            {
                throw new InvalidDataException($"netlink attribute type {type} at offset {offset} has bad length {length} (space {data.Length - offset})");
            }

            items.Add((type, data.Slice(offset + 4, length - 4)));
            offset += NetlinkMessageBuilder.Align(length);
        }

        return new NetlinkAttributes(items);
    }

    public bool TryGet(ushort type, out ReadOnlyMemory<byte> value)
    {
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            if (_items[i].Type == type)
            {
                value = _items[i].Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public IEnumerable<ReadOnlyMemory<byte>> All(ushort type) => _items.Where(i => i.Type == type).Select(i => i.Value);

    public NetlinkAttributes? Nested(ushort type) => TryGet(type, out var value) ? Parse(value) : null;

    public string? String(ushort type)
    {
        if (!TryGet(type, out var value))
        {
            return null;
        }

        var span = value.Span;
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    public uint? UInt32(ushort type) =>
        TryGet(type, out var value) && value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(value.Span) : null;

    public int? Int32(ushort type) =>
        TryGet(type, out var value) && value.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(value.Span) : null;

    public IPAddress? Address(ushort type) =>
        TryGet(type, out var value) && (value.Length == 4 || value.Length == 16) ? new IPAddress(value.Span) : null;

    public PhysicalAddress? Hardware(ushort type) =>
        TryGet(type, out var value) && value.Length > 0 ? new PhysicalAddress(value.ToArray()) : null;
}
