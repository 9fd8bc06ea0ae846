using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;
using VmNet.Kube.Transport;

namespace VmNet.Kube;

/// <summary>
/// Splits a watch response (newline-delimited JSON WatchEvents) into typed events. A stream that ends or breaks
/// mid-line ends the sequence quietly (the partial event is dropped): like client-go, the caller resumes from
/// the last resourceVersion it saw. A complete line that is not a valid event is a protocol error, and an
/// ERROR event is raised as the matching <see cref="KubeApiException"/> (410 as <see cref="KubeGoneException"/>).
/// </summary>
internal sealed class WatchStreamReader<T>(Stream stream, string path, ILogger logger)
    where T : class
{
    private const int MaxEventBytes = 64 * 1024 * 1024;

    public async IAsyncEnumerable<WatchEvent<T>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var start = 0;
        var end = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = new ReadOnlyMemory<byte>(buffer, start, newline);
                start += newline + 1;
                if (!IsBlank(line.Span))
                {
                    yield return Parse(line);
                }

                continue;
            }

            // No complete line buffered: compact, grow if a single event is larger than the buffer, then read.
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxEventBytes)
                {
                    throw new KubeProtocolException($"watch {path}: an event exceeds {MaxEventBytes} bytes without a newline");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await ReadOrEndAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (end > 0 && !IsBlank(buffer.AsSpan(0, end)))
                {
                    logger.LogWarning("Watch {Path} ended mid-event; {Bytes} bytes of a partial event dropped", path, end);
                }

                yield break;
            }

            end += read;
        }
    }

    private async Task<int> ReadOrEndAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // The connection was cut (server restart, proxy timeout): the watch is over, not failed.
            logger.LogInformation("Watch {Path} connection ended: {Cause}", path, ResponseErrors.Describe(e));
            return 0;
        }
    }

    private WatchEvent<T> Parse(ReadOnlyMemory<byte> line)
    {
        V1WatchEvent raw;
        try
        {
            raw = JsonSerializer.Deserialize<V1WatchEvent>(line.Span, KubeJson.Options)
                ?? throw new JsonException("the event is JSON null");
        }
        catch (JsonException e)
        {
            throw new KubeProtocolException($"watch {path}: malformed event ({e.Message}): {ResponseErrors.Snippet(line.ToArray())}", e);
        }

        if (raw.Object is not JsonElement element || element.ValueKind != JsonValueKind.Object)
        {
            throw new KubeProtocolException($"watch {path}: {raw.Type} event has no object: {ResponseErrors.Snippet(line.ToArray())}");
        }

        var type = raw.Type switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => throw ErrorEvent(element),
            _ => throw new KubeProtocolException($"watch {path}: unknown event type '{raw.Type}'"),
        };

        try
        {
            var obj = element.Deserialize<T>(KubeJson.Options) ?? throw new JsonException("the object is JSON null");
            return new WatchEvent<T>(type, obj);
        }
        catch (JsonException e)
        {
            throw new KubeProtocolException($"watch {path}: {raw.Type} object is not a valid {typeof(T).Name} ({e.Message})", e);
        }
    }

    private KubeApiException ErrorEvent(JsonElement element)
    {
        V1Status? status;
        try
        {
            status = element.Deserialize<V1Status>(KubeJson.Options);
        }
        catch (JsonException e)
        {
            throw new KubeProtocolException($"watch {path}: ERROR event does not carry a Status ({e.Message})", e);
        }

        // An ERROR without a code is still an error; 500 keeps it in the "server failed" family.
        var code = status?.Code is int c and >= 400 and <= 599 ? (HttpStatusCode)c : HttpStatusCode.InternalServerError;
        return KubeApiException.Create(code, "WATCH", path, status);
    }

    private static bool IsBlank(ReadOnlySpan<byte> span) => span.Trim(" \t\r"u8).IsEmpty;
}
