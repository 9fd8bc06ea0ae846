using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Kube.Serialization;

namespace VmNet.Kube;

/// <summary>One RFC 6902 operation. Build paths with <see cref="JsonPointer"/> when a key may hold '/' or '~'.</summary>
public sealed record JsonPatchOperation(string Op, string Path, JsonNode? Value = null, string? From = null)
{
    public static JsonPatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    public static JsonPatchOperation Replace(string path, JsonNode? value) => new("replace", path, value);

    public static JsonPatchOperation Remove(string path) => new("remove", path);

    /// <summary>Makes the whole patch fail (422) unless the value at <paramref name="path"/> equals <paramref name="value"/>.</summary>
    public static JsonPatchOperation Test(string path, JsonNode? value) => new("test", path, value);

    /// <summary>Any serialisable value, turned into JSON with the shared options.</summary>
    public static JsonNode? ValueOf<T>(T value) => JsonSerializer.SerializeToNode(value, KubeJson.Options);

    internal JsonObject ToJsonNode()
    {
        if (Op is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
        {
            throw new ArgumentException($"JSON patch op '{Op}' is not one of add, remove, replace, move, copy, test", nameof(Op));
        }

        if (Path.Length > 0 && Path[0] != '/')
        {
            throw new ArgumentException($"JSON patch path '{Path}' must start with '/'", nameof(Path));
        }

        var node = new JsonObject { ["op"] = Op, ["path"] = Path };
        if (Op is "add" or "replace" or "test")
        {
            node["value"] = Value?.DeepClone();
        }

        if (Op is "move" or "copy")
        {
            node["from"] = From ?? throw new ArgumentException($"JSON patch op '{Op}' needs 'from'", nameof(From));
        }

        return node;
    }
}
