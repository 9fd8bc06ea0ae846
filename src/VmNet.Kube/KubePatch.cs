using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Kube.Serialization;

namespace VmNet.Kube;

/// <summary>A patch body and its content type.</summary>
public sealed class KubePatch
{
    public const string MergePatchContentType = "application/merge-patch+json";
    public const string JsonPatchContentType = "application/json-patch+json";

    private KubePatch(string contentType, string body)
    {
        ContentType = contentType;
        Body = body;
    }

    public string ContentType { get; }

    /// <summary>The JSON text sent.</summary>
    public string Body { get; }

    /// <summary>
    /// Applying a merge patch twice gives the same object as applying it once, so it is safe to retry after an
    /// ambiguous failure; a JSON patch (array appends, tests) is not.
    /// </summary>
    public bool IsIdempotent => ContentType == MergePatchContentType;

    /// <summary>RFC 7386 merge patch. A JSON null in <paramref name="patch"/> removes the field.</summary>
    public static KubePatch Merge(JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return new KubePatch(MergePatchContentType, patch.ToJsonString(KubeJson.Options));
    }

    /// <summary>RFC 7386 merge patch from JSON text (validated here so a typo fails before it is sent).</summary>
    public static KubePatch Merge(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var node = ParseOrThrow(json, nameof(json));
        if (node is not JsonObject)
        {
            throw new ArgumentException($"a merge patch must be a JSON object, got: {Truncate(json)}", nameof(json));
        }

        return new KubePatch(MergePatchContentType, json);
    }

    /// <summary>RFC 6902 JSON patch.</summary>
    public static KubePatch Json(IEnumerable<JsonPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var array = new JsonArray();
        foreach (var op in operations)
        {
            array.Add(op.ToJsonNode());
        }

        if (array.Count == 0)
        {
            throw new ArgumentException("a JSON patch needs at least one operation", nameof(operations));
        }

        return new KubePatch(JsonPatchContentType, array.ToJsonString(KubeJson.Options));
    }

    public static KubePatch Json(params JsonPatchOperation[] operations) => Json((IEnumerable<JsonPatchOperation>)operations);

    public override string ToString() => $"{ContentType} {Truncate(Body)}";

    private static JsonNode? ParseOrThrow(string json, string parameter)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"patch is not valid JSON ({e.Message}): {Truncate(json)}", parameter, e);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
