using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace VmNet.ApiServer;

internal sealed partial class ApiHandler
{
    private static readonly byte[] FramePrefix = Encoding.UTF8.GetBytes("{\"type\":\"");
    private static readonly byte[] FrameMiddle = Encoding.UTF8.GetBytes("\",\"object\":");
    private static readonly byte[] FrameSuffix = Encoding.UTF8.GetBytes("}\n");
    private static readonly Dictionary<string, byte[]> TypeBytes = new[]
    {
        WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted, WatchEventType.Bookmark, WatchEventType.Error,
    }.ToDictionary(t => t, t => Encoding.UTF8.GetBytes(t), StringComparer.Ordinal);

    /// <summary>Streams newline-delimited WatchEvents until the client leaves, timeoutSeconds passes, or the watch is dropped.</summary>
    private async Task WatchAsync(HttpContext context, ResourceType type, string version, string? ns, string? name, CancellationToken serverStopping, CancellationToken ct)
    {
        var query = context.Request.Query;
        TimeSpan? timeout = null;
        if (query["timeoutSeconds"].ToString() is { Length: > 0 } timeoutText)
        {
            if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw KubeApiException.BadRequest($"invalid timeoutSeconds \"{timeoutText}\"");
            }

            timeout = TimeSpan.FromSeconds(seconds);
        }

        // Watching one named object is a watch with a metadata.name field selector, as on the real server.
        var fieldSelector = query["fieldSelector"].ToString();
        if (name is not null)
        {
            fieldSelector = string.IsNullOrEmpty(fieldSelector) ? "metadata.name=" + name : $"{fieldSelector},metadata.name={name}";
        }

        var sendInitialEvents = IsTrue(query["sendInitialEvents"]);
        var bookmarksAllowed = IsTrue(query["allowWatchBookmarks"]);
        if (sendInitialEvents && (!bookmarksAllowed || query["resourceVersionMatch"] != "NotOlderThan"))
        {
            throw KubeApiException.Invalid(type, null, "sendInitialEvents", "FieldValueForbidden",
                "Forbidden: sendInitialEvents requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan");
        }

        var watcher = store.Watch(type, ns, new WatchOptions
        {
            Labels = LabelSelector.Parse(query["labelSelector"]),
            Fields = FieldSelector.Parse(fieldSelector),
            ResourceVersion = sendInitialEvents ? null : query["resourceVersion"].ToString(),
            Bookmarks = bookmarksAllowed,
            SendInitialEvents = sendInitialEvents,
        });
        var table = TableConverter.Wanted(context.Request);
        var includeObject = TableConverter.IncludeObject(context.Request);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, serverStopping);
        if (timeout is { } t)
        {
            stop.CancelAfter(t);
        }

        Task? bookmarks = null;
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await context.Response.StartAsync(stop.Token);

            // Clients wait for the headers before reading events; send them even while no event is pending.
            await context.Response.BodyWriter.FlushAsync(stop.Token);
            if (watcher.Bookmarks)
            {
                bookmarks = SendBookmarksAsync(watcher, stop.Token);
            }

            var pipe = context.Response.BodyWriter;
            var reader = watcher.Reader;
            while (await reader.WaitToReadAsync(stop.Token))
            {
                while (reader.TryRead(out var frame))
                {
                    var body = frame.Type == WatchEventType.Error ? frame.Object
                        : table && frame.Type != WatchEventType.Bookmark ? TableConverter.ToWatchTable(type, version, frame.Object, includeObject, options.TimeProvider.GetUtcNow())
                        : ResponseWriter.ForVersion(type, version, frame.Object);
                    pipe.Write(FramePrefix.AsSpan());
                    pipe.Write(TypeBytes[frame.Type].AsSpan());
                    pipe.Write(FrameMiddle.AsSpan());
                    pipe.Write(body.AsSpan());
                    pipe.Write(FrameSuffix.AsSpan());
                }

                await pipe.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // timeoutSeconds elapsed, the client left, or the server is stopping: the stream just ends.
        }
        finally
        {
            store.StopWatch(watcher);
            await stop.CancelAsync();
            if (bookmarks is not null)
            {
                await bookmarks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task SendBookmarksAsync(Watcher watcher, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.BookmarkInterval, options.TimeProvider);
        while (await timer.WaitForNextTickAsync(ct))
        {
            store.Bookmark(watcher);
        }
    }
}
