using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>JSON merge patch (RFC 7386): objects merge recursively, null deletes, everything else replaces.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            // Strategic-merge directives ($patch, $retainKeys, ...) have no meaning in a plain merge.
            if (key.StartsWith('$'))
            {
                continue;
            }

            var existing = result[key];
            result.Remove(key);
            result[key] = Apply(existing, value);
        }

        return result;
    }
}
