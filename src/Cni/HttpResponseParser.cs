using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace VmNet.Cni;

/// <summary>
/// Parses an HTTP/1.x response from the bytes received so far. Returns null while more bytes are
/// needed. Bodies may be delimited by Content-Length, chunked transfer coding, or connection
/// close (Kestrel and Go's net/http use all three), so any ordinary HTTP server can be the daemon.
/// </summary>
internal static class HttpResponseParser
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    public static UnixHttpResponse? TryParse(ReadOnlySpan<byte> data, bool endOfStream)
    {
        var headerEnd = data.IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            return null;
        }

        var head = Encoding.ASCII.GetString(data[..headerEnd]);
        var lines = head.Split("\r\n");
        var status = ParseStatusLine(lines[0]);
        var bodyStart = headerEnd + HeaderEnd.Length;

        // An interim 1xx answer is followed by the real one.
        if (status is >= 100 and < 200)
        {
            return TryParse(data[bodyStart..], endOfStream);
        }

        long? contentLength = null;
        var chunked = false;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new HttpProtocolException($"malformed header line \"{line}\"");
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new HttpProtocolException($"Content-Length \"{value}\" is not a number");
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
        }

        var rest = data[bodyStart..];
        if (status is 204 or 304)
        {
            return new UnixHttpResponse(status, []);
        }

        if (chunked)
        {
            return TryDechunk(rest, status);
        }

        if (contentLength is { } length)
        {
            return rest.Length >= length ? new UnixHttpResponse(status, rest[..(int)length].ToArray()) : null;
        }

        return endOfStream ? new UnixHttpResponse(status, rest.ToArray()) : null;
    }

    private static int ParseStatusLine(string line)
    {
        // "HTTP/1.1 200 OK"
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            || status < 100 || status > 999)
        {
            throw new HttpProtocolException($"malformed status line \"{line}\"");
        }

        return status;
    }

    private static UnixHttpResponse? TryDechunk(ReadOnlySpan<byte> data, int status)
    {
        var body = new List<byte>();
        while (true)
        {
            var lineEnd = data.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return null;
            }

            var sizeText = data[..lineEnd];
            var extension = sizeText.IndexOf((byte)';');
            if (extension >= 0)
            {
                sizeText = sizeText[..extension];
            }

            if (!Utf8Parser.TryParse(sizeText.Trim((byte)' '), out int size, out var consumed, 'X') || consumed != sizeText.Trim((byte)' ').Length || size < 0)
            {
                throw new HttpProtocolException($"malformed chunk size \"{Encoding.ASCII.GetString(sizeText)}\"");
            }

            data = data[(lineEnd + 2)..];
            if (size == 0)
            {
                // Trailers (rare) end with an empty line; the body is complete either way.
                return new UnixHttpResponse(status, [.. body]);
            }

            if (data.Length < size + 2)
            {
                return null;
            }

            body.AddRange(data[..size]);
            data = data[(size + 2)..];
        }
    }
}
