using System.Globalization;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy and test on JSON pointers.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var root = document;
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject op)
            {
                throw KubeApiException.BadRequest($"json patch operation {i} is not an object");
            }

            var kind = op.GetString("op") ?? throw KubeApiException.BadRequest($"json patch operation {i} has no \"op\"");
            var path = op.GetString("path") ?? throw KubeApiException.BadRequest($"json patch operation {i} ({kind}) has no \"path\"");
            switch (kind)
            {
                case "add":
                    root = Add(root, path, RequireValue(op, i));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    root = Add(root, path, RequireValue(op, i));
                    break;
                case "move":
                {
                    var from = op.GetString("from") ?? throw KubeApiException.BadRequest($"json patch operation {i} (move) has no \"from\"");
                    var value = Remove(root, from);
                    root = Add(root, path, value);
                    break;
                }

                case "copy":
                {
                    var from = op.GetString("from") ?? throw KubeApiException.BadRequest($"json patch operation {i} (copy) has no \"from\"");
                    root = Add(root, path, Resolve(root, from)?.DeepClone());
                    break;
                }

                case "test":
                {
                    var actual = Resolve(root, path);
                    if (!JsonNode.DeepEquals(actual, op["value"]))
                    {
                        throw KubeApiException.UnprocessablePatch($"the server rejected our request due to an error in our request: testing value {path} failed");
                    }

                    break;
                }

                default:
                    throw KubeApiException.BadRequest($"Unexpected kind: {kind}");
            }
        }

        return root;
    }

    private static JsonNode? RequireValue(JsonObject op, int index) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw KubeApiException.BadRequest($"json patch operation {index} has no \"value\"");

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw KubeApiException.BadRequest($"json patch path \"{pointer}\" does not start with /");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Resolve(JsonNode root, string pointer)
    {
        JsonNode? current = root;
        foreach (var token in Tokens(pointer))
        {
            current = current switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when TryIndex(token, a.Count, out var idx) => a[idx],
                _ => throw Missing(pointer),
            };
        }

        return current;
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            return value ?? throw KubeApiException.UnprocessablePatch("json patch cannot replace the whole document with null");
        }

        var parent = Resolve(root, "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when TryIndex(last, a.Count + 1, out var idx):
                a.Insert(idx, value);
                break;
            default:
                throw Missing(pointer);
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            throw KubeApiException.UnprocessablePatch("json patch cannot remove the whole document");
        }

        var parent = Resolve(root, "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var removed):
                o.Remove(last);
                return removed;
            case JsonArray a when TryIndex(last, a.Count, out var idx):
                var item = a[idx];
                a.RemoveAt(idx);
                return item;
            default:
                throw Missing(pointer);
        }
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static bool TryIndex(string token, int limit, out int index) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < limit;

    private static KubeApiException Missing(string pointer) =>
        KubeApiException.UnprocessablePatch($"the server rejected our request due to an error in our request: json patch path {pointer} does not exist");
}
