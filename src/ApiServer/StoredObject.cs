using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>An owner reference as far as garbage collection needs it.</summary>
internal readonly record struct OwnerRef(string Uid, string Kind, string Name, bool BlockOwnerDeletion);

/// <summary>
/// An immutable stored object: its serialized JSON (shared by list and watch responses without
/// re-serializing) plus the metadata the store indexes on.
/// </summary>
internal sealed class StoredObject
{
    // Boxed so that publishing it from one thread to another is a single reference write.
    private object? _element;

    private StoredObject(JsonObject node)
    {
        Json = JsonSerializer.SerializeToUtf8Bytes(node, JsonNodeContext.Default.JsonObject);
        var meta = node["metadata"] as JsonObject ?? [];
        Name = (string?)meta["name"] ?? string.Empty;
        Namespace = (string?)meta["namespace"] ?? string.Empty;
        Uid = (string?)meta["uid"] ?? string.Empty;
        ResourceVersion = long.Parse((string?)meta["resourceVersion"] ?? "0", CultureInfo.InvariantCulture);
        IsDeleting = meta["deletionTimestamp"] is not null;
        Finalizers = meta["finalizers"] is JsonArray fin ? fin.Select(f => (string?)f ?? string.Empty).ToArray() : [];
        Labels = meta["labels"] is JsonObject labels
            ? labels.ToDictionary(p => p.Key, p => p.Value?.GetValueKind() == JsonValueKind.String ? (string?)p.Value ?? string.Empty : p.Value?.ToJsonString() ?? string.Empty, StringComparer.Ordinal)
            : EmptyLabels;
        Owners = meta["ownerReferences"] is JsonArray owners
            ? owners.OfType<JsonObject>().Select(o => new OwnerRef(
                (string?)o["uid"] ?? string.Empty,
                (string?)o["kind"] ?? string.Empty,
                (string?)o["name"] ?? string.Empty,
                o["blockOwnerDeletion"] is JsonValue b && b.GetValueKind() == JsonValueKind.True)).ToArray()
            : [];
    }

    private static readonly Dictionary<string, string> EmptyLabels = new(StringComparer.Ordinal);

    public byte[] Json { get; }

    public string Name { get; }

    public string Namespace { get; }

    public string Uid { get; }

    public long ResourceVersion { get; }

    public bool IsDeleting { get; }

    public IReadOnlyList<string> Finalizers { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public IReadOnlyList<OwnerRef> Owners { get; }

    public string Key => KeyOf(Namespace, Name);

    /// <summary>Read-only view for field selectors, parsed once on first use.</summary>
    public JsonElement Element
    {
        get
        {
            _element ??= JsonSerializer.Deserialize(Json, JsonNodeContext.Default.JsonElement);
            return (JsonElement)_element;
        }
    }

    public static StoredObject From(JsonObject node) => new(node);

    public static string KeyOf(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : ns + "/" + name;

    /// <summary>A fresh mutable copy.</summary>
    public JsonObject ToNode() => JsonNode.Parse(Json)!.AsObject();
}
