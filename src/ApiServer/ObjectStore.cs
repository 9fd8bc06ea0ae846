using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// The object store behind the API server: objects per resource, one global resourceVersion counter
/// (as etcd's revision), a bounded event history and the open watches. Every write takes one lock,
/// which gives each watcher its events in resourceVersion order with no loss or duplication.
/// Tests may call the public methods directly; they apply the same rules as HTTP requests.
/// </summary>
public sealed partial class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly ResourceRegistry _registry;
    private readonly ApiServerOptions _options;
    private readonly Dictionary<GroupResource, Bucket> _buckets = [];
    private readonly EventHistory _history;
    private readonly Dictionary<string, HashSet<(GroupResource Resource, string Key)>> _dependents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _namespaceCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (GroupResource Resource, string Key)> _byUid = new(StringComparer.Ordinal);
    private long _revision;
    private bool _dryRun;

    private sealed class Bucket(GroupResource resource)
    {
        public GroupResource Resource { get; } = resource;

        public SortedDictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

        public List<Watcher> Watchers { get; } = [];
    }

    internal ObjectStore(ResourceRegistry registry, ApiServerOptions options)
    {
        _registry = registry;
        _options = options;
        _history = new EventHistory(options.WatchHistorySize);
        var namespaces = registry.Get(new GroupResource(string.Empty, "namespaces"));
        foreach (var ns in options.InitialNamespaces)
        {
            Create(namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }
    }

    public ResourceRegistry Registry => _registry;

    /// <summary>The resourceVersion of the latest write.</summary>
    public long CurrentResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>The newest resourceVersion no longer in the watch history; watches from older ones get 410 Expired.</summary>
    public long CompactedResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _history.CompactedRevision;
            }
        }
    }

    /// <summary>Finds the resource for an object's apiVersion and kind.</summary>
    public ResourceType ResolveType(string apiVersion, string kind) =>
        _registry.FindByKind(apiVersion, kind) ?? throw new KeyNotFoundException($"no resource serves kind {kind} in {apiVersion}");

    public JsonObject Create(ResourceType type, JsonObject obj, string? ns = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        lock (_gate)
        {
            return CreateLocked(type, ns, (JsonObject)obj.DeepClone()).ToNode();
        }
    }

    /// <summary>Creates an object whose apiVersion and kind name its resource.</summary>
    public JsonObject Create(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Create(ResolveType(obj.GetString("apiVersion") ?? string.Empty, obj.GetString("kind") ?? string.Empty), obj);
    }

    public JsonObject Get(ResourceType type, string? ns, string name) => GetStored(type, ns, name).ToNode();

    public JsonObject? TryGet(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return BucketFor(type).Objects.GetValueOrDefault(KeyFor(type, ns, name))?.ToNode();
        }
    }

    /// <summary>Replaces an object (PUT). With <paramref name="statusOnly"/> only its status changes.</summary>
    public JsonObject Replace(ResourceType type, string? ns, string name, JsonObject obj, bool statusOnly = false)
    {
        ArgumentNullException.ThrowIfNull(obj);
        lock (_gate)
        {
            return ReplaceLocked(type, ns, name, (JsonObject)obj.DeepClone(), statusOnly).ToNode();
        }
    }

    public JsonObject Patch(ResourceType type, string? ns, string name, PatchKind kind, string patch, bool statusOnly = false)
    {
        lock (_gate)
        {
            return PatchLocked(type, ns, name, kind, patch, statusOnly).ToNode();
        }
    }

    /// <summary>All objects of a resource (optionally in one namespace), in key order.</summary>
    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns = null)
    {
        var page = ListStored(type, ns, new ListOptions());
        return page.Items.Select(o => o.ToNode()).ToList();
    }

    public int Count(ResourceType type)
    {
        lock (_gate)
        {
            return BucketFor(type).Objects.Count;
        }
    }

    internal StoredObject GetStored(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return BucketFor(type).Objects.GetValueOrDefault(KeyFor(type, ns, name)) ?? throw KubeApiException.NotFound(type, name);
        }
    }

    internal StoredObject CreateStored(ResourceType type, string? ns, JsonObject obj, bool dryRun = false) =>
        Write(dryRun, () => CreateLocked(type, ns, obj));

    /// <summary>PUT; <paramref name="created"/> tells whether it created a missing object (AllowCreateOnUpdate).</summary>
    internal StoredObject ReplaceStored(ResourceType type, string? ns, string name, JsonObject obj, bool statusOnly, out bool created, bool dryRun = false)
    {
        lock (_gate)
        {
            created = !BucketFor(type).Objects.ContainsKey(KeyFor(type, ns ?? obj.Metadata().GetString("namespace") ?? "default", name));
            return Write(dryRun, () => ReplaceLocked(type, ns, name, obj, statusOnly));
        }
    }

    internal StoredObject PatchStored(ResourceType type, string? ns, string name, PatchKind kind, string patch, bool statusOnly, bool dryRun = false) =>
        Write(dryRun, () => PatchLocked(type, ns, name, kind, patch, statusOnly));

    /// <summary>
    /// Runs a write under the lock. With <paramref name="dryRun"/> every rule and validation runs, but
    /// <see cref="Commit"/> persists nothing, bumps no resourceVersion and notifies no watcher (dryRun=All).
    /// </summary>
    internal T Write<T>(bool dryRun, Func<T> write)
    {
        lock (_gate)
        {
            _dryRun = dryRun;
            try
            {
                return write();
            }
            finally
            {
                _dryRun = false;
            }
        }
    }

    private Bucket BucketFor(ResourceType type) => BucketFor(type.GroupResource);

    private Bucket BucketFor(GroupResource resource)
    {
        if (!_buckets.TryGetValue(resource, out var bucket))
        {
            bucket = new Bucket(resource);
            _buckets[resource] = bucket;
        }

        return bucket;
    }

    private static string KeyFor(ResourceType type, string? ns, string name) =>
        StoredObject.KeyOf(type.Namespaced ? ns : null, name);

    /// <summary>Assigns the next resourceVersion, stores (or removes) the object, indexes it and notifies watchers.</summary>
    private StoredObject Commit(Bucket bucket, JsonObject node, StoredObject? previous, string eventType)
    {
        if (_dryRun)
        {
            // What the write would produce, at the resourceVersion the object has now (none for a create).
            if (previous is null)
            {
                node.Metadata().Remove("resourceVersion");
            }
            else
            {
                node.Metadata()["resourceVersion"] = ObjectMeta.RvString(previous.ResourceVersion);
            }

            return StoredObject.From(node);
        }

        var revision = ++_revision;
        node.Metadata()["resourceVersion"] = ObjectMeta.RvString(revision);
        var stored = StoredObject.From(node);
        if (eventType == WatchEventType.Deleted)
        {
            bucket.Objects.Remove(stored.Key);
        }
        else
        {
            bucket.Objects[stored.Key] = stored;
        }

        var current = eventType == WatchEventType.Deleted ? null : stored;
        if (current is null)
        {
            _byUid.Remove(stored.Uid);
        }
        else
        {
            _byUid[stored.Uid] = (bucket.Resource, stored.Key);
        }

        IndexOwners(bucket.Resource, previous, current);
        CountNamespace(previous, current);
        var e = new StoreEvent(bucket.Resource, eventType, stored, previous);
        _history.Add(e);
        foreach (var watcher in bucket.Watchers)
        {
            watcher.Offer(e);
        }

        return stored;
    }

    private void IndexOwners(GroupResource resource, StoredObject? previous, StoredObject? current)
    {
        if (previous is not null)
        {
            foreach (var owner in previous.Owners)
            {
                if (_dependents.TryGetValue(owner.Uid, out var set))
                {
                    set.Remove((resource, previous.Key));
                    if (set.Count == 0)
                    {
                        _dependents.Remove(owner.Uid);
                    }
                }
            }
        }

        if (current is not null)
        {
            foreach (var owner in current.Owners)
            {
                if (!_dependents.TryGetValue(owner.Uid, out var set))
                {
                    set = [];
                    _dependents[owner.Uid] = set;
                }

                set.Add((resource, current.Key));
            }
        }
    }

    private void CountNamespace(StoredObject? previous, StoredObject? current)
    {
        if (previous is null && current is not null && current.Namespace.Length > 0)
        {
            _namespaceCounts[current.Namespace] = _namespaceCounts.GetValueOrDefault(current.Namespace) + 1;
        }
        else if (previous is not null && current is null && previous.Namespace.Length > 0)
        {
            _namespaceCounts[previous.Namespace] = _namespaceCounts.GetValueOrDefault(previous.Namespace) - 1;
        }
    }
}
