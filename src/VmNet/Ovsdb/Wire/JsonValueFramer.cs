using VmNet.Ovsdb.Errors;

namespace VmNet.Ovsdb.Wire;

/// <summary>
/// Splits the OVSDB byte stream into complete top-level JSON values. The wire has no delimiter or
/// length prefix, so the framer tracks nesting depth, string state and escapes across reads and
/// hands out each value once its closing bracket arrives. Only the bytes are scanned here; parsing
/// is left to System.Text.Json.
/// </summary>
public sealed class JsonValueFramer
{
    private readonly int _maxValueBytes;
    private readonly int _initialCapacity;
    private byte[] _buffer;
    private int _start;     // first byte of the value being assembled
    private int _scanned;   // bytes already scanned
    private int _end;       // bytes held
    private int _depth;
    private bool _inString;
    private bool _escaped;

    public JsonValueFramer(int maxValueBytes = 256 * 1024 * 1024, int initialCapacity = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxValueBytes, 2);
        _maxValueBytes = maxValueBytes;
        _initialCapacity = initialCapacity;
        _buffer = new byte[initialCapacity];
    }

    /// <summary>True while a value has started but not closed (a truncated value if the stream ends now).</summary>
    public bool HasPartialValue => _depth > 0;

    /// <summary>Space to read the next bytes into; call <see cref="Advance"/> with the count read.</summary>
    public Memory<byte> GetWriteBuffer(int sizeHint = 16 * 1024)
    {
        Compact();
        if (_buffer.Length - _end < sizeHint)
        {
            var held = _end - _start;
            if (held > _maxValueBytes)
            {
                throw new OvsdbProtocolException($"a JSON value exceeds the {_maxValueBytes} byte limit");
            }

            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + sizeHint));
        }

        return _buffer.AsMemory(_end);
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _end += count;
    }

    /// <summary>Returns the next complete value, or false when more bytes are needed.</summary>
    public bool TryReadValue(out ReadOnlyMemory<byte> value)
    {
        var buffer = _buffer;
        for (var i = _scanned; i < _end; i++)
        {
            var b = buffer[i];
            if (_inString)
            {
                if (_escaped)
                {
                    _escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    _escaped = true;
                }
                else if (b == (byte)'"')
                {
                    _inString = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    RequireInsideValue(b, i);
                    _inString = true;
                    break;
                case (byte)'{':
                case (byte)'[':
                    if (_depth == 0)
                    {
                        _start = i;
                    }

                    _depth++;
                    break;
                case (byte)'}':
                case (byte)']':
                    RequireInsideValue(b, i);
                    _depth--;
                    if (_depth == 0)
                    {
                        value = buffer.AsMemory(_start, i + 1 - _start);
                        _start = i + 1;
                        _scanned = i + 1;
                        return true;
                    }

                    break;
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                    if (_depth == 0)
                    {
                        _start = i + 1;
                    }

                    break;
                default:
                    RequireInsideValue(b, i);
                    break;
            }
        }

        _scanned = _end;
        if (_depth > 0 && _end - _start > _maxValueBytes)
        {
            throw new OvsdbProtocolException($"a JSON value exceeds the {_maxValueBytes} byte limit");
        }

        value = default;
        return false;
    }

    private void RequireInsideValue(byte b, int index)
    {
        if (_depth == 0)
        {
            // JSON-RPC messages are objects; anything else between values is garbage on the wire.
            throw new OvsdbProtocolException(
                $"unexpected byte 0x{b:x2} ('{(char)b}') outside a JSON object at stream offset {index}");
        }
    }

    private void Compact()
    {
        var held = _end - _start;

        // A monitor reply can be megabytes; do not keep a buffer that size for the small messages after it.
        if (_buffer.Length > 4 * _initialCapacity && held < _initialCapacity / 2)
        {
            var smaller = new byte[_initialCapacity];
            _buffer.AsSpan(_start, held).CopyTo(smaller);
            _buffer = smaller;
            _scanned -= _start;
            _end = held;
            _start = 0;
            return;
        }

        if (_start == 0)
        {
            return;
        }

        if (held > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, held);
        }

        _scanned -= _start;
        _end = held;
        _start = 0;
    }
}
