using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>List options: selectors and pagination.</summary>
internal sealed record ListOptions
{
    public LabelSelector Labels { get; init; } = LabelSelector.Everything;

    public FieldSelector Fields { get; init; } = FieldSelector.Everything;

    public int Limit { get; init; }

    public string? Continue { get; init; }
}

/// <summary>One page of a list at <see cref="ResourceVersion"/>.</summary>
internal sealed record ListPage(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);

/// <summary>Watch options: selectors, the starting resourceVersion and bookmarks.</summary>
internal sealed record WatchOptions
{
    public LabelSelector Labels { get; init; } = LabelSelector.Everything;

    public FieldSelector Fields { get; init; } = FieldSelector.Everything;

    public string? ResourceVersion { get; init; }

    public bool Bookmarks { get; init; }

    /// <summary>Watch-list mode: initial ADDED events end with a BOOKMARK annotated k8s.io/initial-events-end.</summary>
    public bool SendInitialEvents { get; init; }
}

public sealed partial class ObjectStore
{
    internal ListPage ListStored(ResourceType type, string? ns, ListOptions options)
    {
        lock (_gate)
        {
            var revision = _revision;
            string? startAfter = null;
            if (!string.IsNullOrEmpty(options.Continue))
            {
                (revision, startAfter) = DecodeContinue(options.Continue);
                if (revision < _history.CompactedRevision)
                {
                    throw KubeApiException.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                }
            }

            var nsFilter = type.Namespaced && !string.IsNullOrEmpty(ns) ? ns : null;
            var items = new List<StoredObject>();
            string? next = null;
            long remaining = 0;
            foreach (var (key, obj) in BucketFor(type).Objects)
            {
                if (startAfter is not null && string.CompareOrdinal(key, startAfter) <= 0)
                {
                    continue;
                }

                if ((nsFilter is not null && obj.Namespace != nsFilter) || !options.Labels.Matches(obj.Labels) || (!options.Fields.IsEmpty && !options.Fields.Matches(obj)))
                {
                    continue;
                }

                if (options.Limit > 0 && items.Count == options.Limit)
                {
                    next ??= EncodeContinue(revision, items[^1].Key);
                    remaining++;
                    continue;
                }

                items.Add(obj);
            }

            var selective = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
            return new ListPage(items, revision, next, next is not null && !selective ? remaining : null);
        }
    }

    private static string EncodeContinue(long revision, string lastKey)
    {
        var token = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = lastKey + "\u0000" };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(token.ToJsonString()));
    }

    private static (long Revision, string StartAfter) DecodeContinue(string token)
    {
        try
        {
            var node = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!.AsObject();
            var start = (string?)node["start"] ?? throw new FormatException("no start");
            return ((long?)node["rv"] ?? 0, start.TrimEnd('\u0000'));
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw KubeApiException.BadRequest($"continue key is not valid: {e.Message}");
        }
    }

    /// <summary>
    /// Opens a watch. Without a resourceVersion (or "0") it starts with ADDED events for current objects;
    /// with one it replays history after it, or sends a 410 Expired ERROR when that history is compacted.
    /// </summary>
    internal Watcher Watch(ResourceType type, string? ns, WatchOptions options)
    {
        long? from = null;
        if (!string.IsNullOrEmpty(options.ResourceVersion) && options.ResourceVersion != "0")
        {
            if (!long.TryParse(options.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw KubeApiException.BadRequest($"invalid resource version \"{options.ResourceVersion}\"");
            }

            from = parsed;
        }

        var watcher = new Watcher(type, type.Namespaced ? ns : null, options.Labels, options.Fields, options.Bookmarks);
        lock (_gate)
        {
            var bucket = BucketFor(type);
            if (from is null)
            {
                foreach (var obj in bucket.Objects.Values)
                {
                    if (watcher.Matches(obj))
                    {
                        watcher.Write(WatchEventType.Added, obj.Json);
                    }
                }

                if (options.SendInitialEvents)
                {
                    watcher.Write(WatchEventType.Bookmark, BookmarkJson(type, _revision, initialEventsEnd: true));
                }
            }
            else if (from < _history.CompactedRevision)
            {
                var status = KubeApiException.Expired($"too old resource version: {from} ({_history.CompactedRevision})").ToStatus();
                watcher.Write(WatchEventType.Error, JsonSerializer.SerializeToUtf8Bytes(status, JsonNodeContext.Default.JsonObject));
                watcher.Close();
                return watcher;
            }
            else
            {
                foreach (var e in _history.After(from.Value, bucket.Resource))
                {
                    watcher.Offer(e);
                }
            }

            bucket.Watchers.Add(watcher);
        }

        return watcher;
    }

    internal void StopWatch(Watcher watcher)
    {
        lock (_gate)
        {
            BucketFor(watcher.Type).Watchers.Remove(watcher);
        }

        watcher.Close();
    }

    /// <summary>Queues a BOOKMARK at the current resourceVersion behind every event already queued.</summary>
    internal void Bookmark(Watcher watcher)
    {
        lock (_gate)
        {
            if (!BucketFor(watcher.Type).Watchers.Contains(watcher))
            {
                return;
            }

            watcher.Write(WatchEventType.Bookmark, BookmarkJson(watcher.Type, _revision, initialEventsEnd: false));
        }
    }

    private static byte[] BookmarkJson(ResourceType type, long revision, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = ObjectMeta.RvString(revision) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        var bookmark = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.ApiVersionFor(type.StorageVersion),
            ["metadata"] = meta,
        };
        return JsonSerializer.SerializeToUtf8Bytes(bookmark, JsonNodeContext.Default.JsonObject);
    }

    /// <summary>Ends every open watch now (clients see the stream close and must re-watch).</summary>
    public int DropAllWatches()
    {
        lock (_gate)
        {
            var count = 0;
            foreach (var bucket in _buckets.Values)
            {
                foreach (var watcher in bucket.Watchers)
                {
                    watcher.Close();
                    count++;
                }

                bucket.Watchers.Clear();
            }

            return count;
        }
    }

    public int OpenWatchCount
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Values.Sum(b => b.Watchers.Count);
            }
        }
    }

    /// <summary>Compacts the watch history up to the current resourceVersion: older watches and continue tokens get 410.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _history.CompactTo(_revision);
        }
    }

    /// <summary>Removes every object of a resource (used when its CustomResourceDefinition goes away).</summary>
    private void PurgeResource(GroupResource resource)
    {
        var bucket = BucketFor(resource);
        foreach (var obj in bucket.Objects.Values.ToList())
        {
            Commit(bucket, obj.ToNode(), obj, WatchEventType.Deleted);
        }

        foreach (var watcher in bucket.Watchers)
        {
            watcher.Close();
        }

        bucket.Watchers.Clear();
    }
}
