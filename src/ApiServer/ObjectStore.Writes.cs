using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VmNet.ApiServer;

public sealed partial class ObjectStore
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    private StoredObject CreateLocked(ResourceType type, string? ns, JsonObject node)
    {
        CheckKind(type, node);
        ApplySchema(type, node);
        var meta = node.Metadata();
        var effectiveNs = NamespaceFor(type, ns, meta);
        var name = meta.GetString("name");
        var bucket = BucketFor(type);
        if (string.IsNullOrEmpty(name))
        {
            var prefix = meta.GetString("generateName");
            if (string.IsNullOrEmpty(prefix))
            {
                throw KubeApiException.Invalid(type, null, "metadata.name", "FieldValueRequired", "Required value: name or generateName is required");
            }

            do
            {
                name = prefix + string.Concat(Enumerable.Range(0, 5).Select(_ => GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)]));
            }
            while (bucket.Objects.ContainsKey(StoredObject.KeyOf(effectiveNs, name)));
            meta["name"] = name;
        }

        ValidateName(type, name);
        if (effectiveNs is not null && _options.RequireNamespace)
        {
            RequireLiveNamespace(type, effectiveNs, name);
        }

        if (bucket.Objects.ContainsKey(StoredObject.KeyOf(effectiveNs, name)))
        {
            throw KubeApiException.AlreadyExists(type, name);
        }

        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = ObjectMeta.Timestamp(_options.TimeProvider.GetUtcNow());
        meta["generation"] = 1;
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("resourceVersion");
        if (type.HasStatus)
        {
            // Status belongs to the status subresource; creation starts from the server's defaults.
            node.Remove("status");
        }

        BeforeWrite(type, node, null);
        var stored = Commit(bucket, node, null, WatchEventType.Added);
        AfterWrite(type, stored);
        return stored;
    }

    private StoredObject ReplaceLocked(ResourceType type, string? ns, string name, JsonObject node, bool statusOnly)
    {
        CheckKind(type, node);
        ApplySchema(type, node);
        var meta = node.Metadata();
        var bodyName = meta.GetString("name") ?? string.Empty;
        if (bodyName != name)
        {
            throw KubeApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var effectiveNs = NamespaceFor(type, ns, meta);
        var bucket = BucketFor(type);
        var old = bucket.Objects.GetValueOrDefault(StoredObject.KeyOf(effectiveNs, name));
        if (old is null)
        {
            if (type.AllowCreateOnUpdate && !statusOnly)
            {
                return CreateLocked(type, effectiveNs, node);
            }

            throw KubeApiException.NotFound(type, name);
        }

        var bodyRv = meta.GetString("resourceVersion");
        if (!string.IsNullOrEmpty(bodyRv) && bodyRv != ObjectMeta.RvString(old.ResourceVersion))
        {
            throw KubeApiException.StaleResourceVersion(type, name);
        }

        var oldNode = old.ToNode();
        JsonObject result;
        if (statusOnly)
        {
            result = old.ToNode();
            var status = node["status"];
            node.Remove("status");
            result.Remove("status");
            if (status is not null)
            {
                result["status"] = status;
            }
        }
        else
        {
            result = node;
            if (type.HasStatus)
            {
                result.Remove("status");
                if (oldNode["status"]?.DeepClone() is { } oldStatus)
                {
                    result["status"] = oldStatus;
                }
            }

            var resultMeta = result.Metadata();
            var oldMeta = oldNode.Metadata();
            foreach (var immutable in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                resultMeta.Remove(immutable);
                if (oldMeta[immutable] is { } value)
                {
                    resultMeta[immutable] = value.DeepClone();
                }
            }

            if (old.IsDeleting)
            {
                var added = resultMeta.Finalizers().Except(old.Finalizers, StringComparer.Ordinal).ToList();
                if (added.Count > 0)
                {
                    throw KubeApiException.Invalid(type, name, "metadata.finalizers", "FieldValueForbidden",
                        $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{string.Join("\", \"", added)}\"}}");
                }
            }

            if (SpecChanged(type, oldNode, result))
            {
                resultMeta["generation"] = ((long?)oldMeta["generation"] ?? 0) + 1;
            }
        }

        result.Metadata()["resourceVersion"] = ObjectMeta.RvString(old.ResourceVersion);
        if (JsonNode.DeepEquals(result, oldNode))
        {
            // The real server skips no-op updates: no new resourceVersion, no watch event.
            return old;
        }

        BeforeWrite(type, result, old);
        if (old.IsDeleting && result.Metadata().Finalizers().Count == 0)
        {
            return RemoveLocked(bucket, type, old, result);
        }

        var stored = Commit(bucket, result, old, WatchEventType.Modified);
        AfterWrite(type, stored);
        return stored;
    }

    private StoredObject PatchLocked(ResourceType type, string? ns, string name, PatchKind kind, string patch, bool statusOnly)
    {
        var old = BucketFor(type).Objects.GetValueOrDefault(KeyFor(type, ns, name)) ?? throw KubeApiException.NotFound(type, name);
        JsonNode? patchNode;
        try
        {
            patchNode = JsonNode.Parse(patch);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        JsonNode? patched = kind switch
        {
            PatchKind.Json => JsonPatch.Apply(old.ToNode(), patchNode as JsonArray ?? throw KubeApiException.BadRequest("json patch must be a JSON array of operations")),
            _ => MergePatch.Apply(old.ToNode(), patchNode as JsonObject ?? throw KubeApiException.BadRequest("merge patch must be a JSON object")),
        };
        if (patched is not JsonObject patchedObject)
        {
            throw KubeApiException.UnprocessablePatch("the patched document is not a JSON object");
        }

        return ReplaceLocked(type, ns, name, patchedObject, statusOnly);
    }

    private static bool SpecChanged(ResourceType type, JsonObject before, JsonObject after)
    {
        foreach (var (key, value) in after)
        {
            if (IgnoredForGeneration(type, key))
            {
                continue;
            }

            if (!before.TryGetPropertyValue(key, out var old) || !JsonNode.DeepEquals(old, value))
            {
                return true;
            }
        }

        return before.Any(p => !IgnoredForGeneration(type, p.Key) && !after.ContainsKey(p.Key));
    }

    private static bool IgnoredForGeneration(ResourceType type, string key) =>
        key is "metadata" or "apiVersion" or "kind" || (type.HasStatus && key == "status");

    /// <summary>Checks apiVersion/kind of a body against the endpoint, then fills in the storage version.</summary>
    private static void CheckKind(ResourceType type, JsonObject node)
    {
        var kind = node.GetString("kind");
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            var version = ResourceRegistry.SplitApiVersion(node.GetString("apiVersion") ?? type.StorageVersion).Version;
            throw KubeApiException.BadRequest($"{kind} in version \"{version}\" cannot be handled as a {type.Kind}: the kind in the body does not match the resource {type.QualifiedName}");
        }

        var apiVersion = node.GetString("apiVersion");
        if (!string.IsNullOrEmpty(apiVersion))
        {
            var (group, version) = ResourceRegistry.SplitApiVersion(apiVersion);
            if (group != type.Group || !type.ServesVersion(version))
            {
                throw KubeApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersionFor(type.StorageVersion)})");
            }
        }

        // apiVersion and kind lead, as in objects the real server returns.
        node.Remove("apiVersion");
        node.Remove("kind");
        node.Insert(0, "apiVersion", type.ApiVersionFor(type.StorageVersion));
        node.Insert(1, "kind", type.Kind);
        if (node["metadata"] is not null and not JsonObject)
        {
            throw KubeApiException.BadRequest("metadata must be a JSON object");
        }
    }

    private static string? NamespaceFor(ResourceType type, string? urlNamespace, JsonObject meta)
    {
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return null;
        }

        var bodyNs = meta.GetString("namespace");
        if (!string.IsNullOrEmpty(urlNamespace) && !string.IsNullOrEmpty(bodyNs) && bodyNs != urlNamespace)
        {
            throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        var ns = !string.IsNullOrEmpty(urlNamespace) ? urlNamespace : !string.IsNullOrEmpty(bodyNs) ? bodyNs : "default";
        meta["namespace"] = ns;
        return ns;
    }

    private static void ValidateName(ResourceType type, string name)
    {
        if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            throw KubeApiException.Invalid(type, name, "metadata.name", "FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }
    }

    private void RequireLiveNamespace(ResourceType type, string ns, string name)
    {
        var namespaces = BucketFor(new GroupResource(string.Empty, "namespaces"));
        if (!namespaces.Objects.TryGetValue(ns, out var nsObject))
        {
            throw KubeApiException.NotFound(_registry.Get(new GroupResource(string.Empty, "namespaces")), ns);
        }

        if (nsObject.IsDeleting)
        {
            throw KubeApiException.Forbidden(type, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }
}
