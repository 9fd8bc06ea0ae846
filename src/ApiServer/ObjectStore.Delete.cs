using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>Deletion, finalizers and garbage collection through ownerReferences (done synchronously).</summary>
public sealed partial class ObjectStore
{
    private const string ForegroundFinalizer = "foregroundDeletion";

    /// <summary>Deletes an object; returns its last state (with deletionTimestamp if finalizers keep it).</summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, DeleteOptions? options = null)
    {
        lock (_gate)
        {
            return DeleteLocked(type, ns, name, options ?? DeleteOptions.Default).Object.ToNode();
        }
    }

    internal DeleteOutcome DeleteStored(ResourceType type, string? ns, string name, DeleteOptions options, bool dryRun = false) =>
        Write(dryRun, () => DeleteLocked(type, ns, name, options));

    private DeleteOutcome DeleteLocked(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        var bucket = BucketFor(type);
        var old = bucket.Objects.GetValueOrDefault(KeyFor(type, ns, name)) ?? throw KubeApiException.NotFound(type, name);
        if (options.PreconditionUid is { Length: > 0 } uid && uid != old.Uid)
        {
            throw KubeApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {old.Uid}");
        }

        if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != ObjectMeta.RvString(old.ResourceVersion))
        {
            throw KubeApiException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectMeta.RvString(old.ResourceVersion)}");
        }

        var policy = options.Propagation ?? PropagationPolicy.Background;
        if (policy == PropagationPolicy.Orphan)
        {
            OrphanDependents(old.Uid);
        }

        if (type.GroupResource == NamespacesResource)
        {
            return DeleteNamespace(bucket, type, old);
        }

        if (policy == PropagationPolicy.Foreground && _dependents.ContainsKey(old.Uid))
        {
            var node = MarkDeleting(old, ForegroundFinalizer);
            var marked = Commit(bucket, node, old, WatchEventType.Modified);
            DeleteDependents(marked.Uid, PropagationPolicy.Foreground);
            return FinishForeground(marked.Uid) ?? new DeleteOutcome(marked, false);
        }

        if (old.Finalizers.Count > 0)
        {
            if (old.IsDeleting)
            {
                return new DeleteOutcome(old, false);
            }

            return new DeleteOutcome(Commit(bucket, MarkDeleting(old, null), old, WatchEventType.Modified), false);
        }

        return new DeleteOutcome(RemoveLocked(bucket, type, old, old.ToNode()), true);
    }

    private static readonly GroupResource NamespacesResource = new(string.Empty, "namespaces");

    private JsonObject MarkDeleting(StoredObject old, string? extraFinalizer)
    {
        var node = old.ToNode();
        var meta = node.Metadata();
        meta["deletionTimestamp"] ??= ObjectMeta.Timestamp(_options.TimeProvider.GetUtcNow());
        meta["deletionGracePeriodSeconds"] ??= 0;
        if (extraFinalizer is not null)
        {
            var finalizers = meta.Finalizers();
            if (!finalizers.Contains(extraFinalizer))
            {
                finalizers.Add(extraFinalizer);
                meta.SetFinalizers(finalizers);
            }
        }

        return node;
    }

    /// <summary>Removes the object for good, then lets garbage collection and waiting owners react.</summary>
    private StoredObject RemoveLocked(Bucket bucket, ResourceType type, StoredObject old, JsonObject finalState)
    {
        var removed = Commit(bucket, finalState, old, WatchEventType.Deleted);
        if (_dryRun)
        {
            return removed;
        }

        AfterRemove(type, removed);
        CollectDependentsOf(removed.Uid);
        foreach (var owner in removed.Owners)
        {
            FinishForeground(owner.Uid);
        }

        if (removed.Namespace.Length > 0)
        {
            FinishNamespace(removed.Namespace);
        }

        return removed;
    }

    /// <summary>Background collection: dependents whose owners are all gone are deleted; others lose the dangling reference.</summary>
    private void CollectDependentsOf(string ownerUid)
    {
        if (!_dependents.TryGetValue(ownerUid, out var set))
        {
            return;
        }

        foreach (var (resource, key) in set.ToList())
        {
            var bucket = BucketFor(resource);
            if (!bucket.Objects.TryGetValue(key, out var dependent))
            {
                continue;
            }

            var liveOwners = dependent.Owners.Where(o => o.Uid != ownerUid && _byUid.ContainsKey(o.Uid)).ToList();
            if (liveOwners.Count > 0)
            {
                RemoveOwnerReference(bucket, dependent, ownerUid);
            }
            else if (!dependent.IsDeleting)
            {
                DeleteDependent(resource, dependent, PropagationPolicy.Background);
            }
        }
    }

    private void DeleteDependents(string ownerUid, PropagationPolicy policy)
    {
        if (!_dependents.TryGetValue(ownerUid, out var set))
        {
            return;
        }

        foreach (var (resource, key) in set.ToList())
        {
            if (BucketFor(resource).Objects.TryGetValue(key, out var dependent) && !dependent.IsDeleting)
            {
                DeleteDependent(resource, dependent, policy);
            }
        }
    }

    private void DeleteDependent(GroupResource resource, StoredObject dependent, PropagationPolicy policy)
    {
        var type = _registry.Find(resource);
        if (type is null)
        {
            return;
        }

        DeleteLocked(type, dependent.Namespace, dependent.Name, new DeleteOptions { Propagation = policy });
    }

    private void OrphanDependents(string ownerUid)
    {
        if (!_dependents.TryGetValue(ownerUid, out var set))
        {
            return;
        }

        foreach (var (resource, key) in set.ToList())
        {
            var bucket = BucketFor(resource);
            if (bucket.Objects.TryGetValue(key, out var dependent))
            {
                RemoveOwnerReference(bucket, dependent, ownerUid);
            }
        }
    }

    private void RemoveOwnerReference(Bucket bucket, StoredObject dependent, string ownerUid)
    {
        var node = dependent.ToNode();
        var meta = node.Metadata();
        if (meta["ownerReferences"] is JsonArray refs)
        {
            foreach (var r in refs.OfType<JsonObject>().Where(r => r.GetString("uid") == ownerUid).ToList())
            {
                refs.Remove(r);
            }

            if (refs.Count == 0)
            {
                meta.Remove("ownerReferences");
            }
        }

        Commit(bucket, node, dependent, WatchEventType.Modified);
    }

    /// <summary>An owner in foreground deletion goes once no dependent with blockOwnerDeletion remains.</summary>
    private DeleteOutcome? FinishForeground(string ownerUid)
    {
        if (!_byUid.TryGetValue(ownerUid, out var location))
        {
            return null;
        }

        var bucket = BucketFor(location.Resource);
        var owner = bucket.Objects[location.Key];
        if (!owner.IsDeleting || !owner.Finalizers.Contains(ForegroundFinalizer))
        {
            return null;
        }

        if (_dependents.TryGetValue(ownerUid, out var set))
        {
            foreach (var (resource, key) in set)
            {
                if (BucketFor(resource).Objects.TryGetValue(key, out var dependent)
                    && dependent.Owners.Any(o => o.Uid == ownerUid && o.BlockOwnerDeletion))
                {
                    return null;
                }
            }
        }

        var node = owner.ToNode();
        var meta = node.Metadata();
        meta.SetFinalizers(meta.Finalizers().Where(f => f != ForegroundFinalizer).ToList());
        var type = _registry.Find(location.Resource) ?? throw new InvalidOperationException($"resource {location.Resource} vanished");
        if (meta.Finalizers().Count == 0)
        {
            return new DeleteOutcome(RemoveLocked(bucket, type, owner, node), true);
        }

        return new DeleteOutcome(Commit(bucket, node, owner, WatchEventType.Modified), false);
    }

    /// <summary>Namespaces terminate: their content is deleted, then the namespace itself once empty.</summary>
    private DeleteOutcome DeleteNamespace(Bucket bucket, ResourceType type, StoredObject old)
    {
        var current = old;
        if (!old.IsDeleting)
        {
            var node = MarkDeleting(old, null);
            node["status"] = new JsonObject { ["phase"] = "Terminating" };
            current = Commit(bucket, node, old, WatchEventType.Modified);
        }

        foreach (var other in _buckets.Values.ToList())
        {
            var otherType = _registry.Find(other.Resource);
            if (otherType is null || !otherType.Namespaced)
            {
                continue;
            }

            foreach (var obj in other.Objects.Values.Where(o => o.Namespace == old.Name && !o.IsDeleting).ToList())
            {
                if (other.Objects.ContainsKey(obj.Key))
                {
                    DeleteLocked(otherType, obj.Namespace, obj.Name, DeleteOptions.Default);
                }
            }
        }

        var finished = FinishNamespace(old.Name);
        return finished ?? new DeleteOutcome(_dryRun ? current : bucket.Objects.GetValueOrDefault(old.Key) ?? current, false);
    }

    private DeleteOutcome? FinishNamespace(string ns)
    {
        var bucket = BucketFor(NamespacesResource);
        if (!bucket.Objects.TryGetValue(ns, out var nsObject) || !nsObject.IsDeleting
            || _namespaceCounts.GetValueOrDefault(ns) > 0 || nsObject.Finalizers.Count > 0)
        {
            return null;
        }

        var type = _registry.Get(NamespacesResource);
        return new DeleteOutcome(RemoveLocked(bucket, type, nsObject, nsObject.ToNode()), true);
    }
}
