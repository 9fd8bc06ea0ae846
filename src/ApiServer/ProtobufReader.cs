using System.Text;

namespace VmNet.ApiServer;

/// <summary>A minimal protobuf wire-format reader (varints and length-delimited fields) for decoding request bodies.</summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Reads the next field key; returns false at the end.</summary>
    public bool TryReadKey(out int field, out int wireType)
    {
        if (AtEnd)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var key = ReadVarint();
        field = (int)(key >> 3);
        wireType = (int)(key & 7);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Malformed("truncated varint");
            }

            var b = _data[_position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Malformed("varint too long");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = (int)ReadVarint();
        if (length < 0 || _position + length > _data.Length)
        {
            throw Malformed("length-delimited field runs past the end");
        }

        var slice = _data.Slice(_position, length);
        _position += length;
        return slice;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                _position += 8;
                break;
            case 2:
                ReadBytes();
                break;
            case 5:
                _position += 4;
                break;
            default:
                throw Malformed($"unsupported wire type {wireType}");
        }
    }

    private static KubeApiException Malformed(string why) => KubeApiException.BadRequest($"invalid protobuf body: {why}");
}
