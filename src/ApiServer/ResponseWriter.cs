using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace VmNet.ApiServer;

/// <summary>Writes objects, lists and Status bodies, rewriting apiVersion when served in a non-storage version.</summary>
internal static class ResponseWriter
{
    private const int FlushThreshold = 64 * 1024;

    public static async Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode body, CancellationToken ct)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, JsonNodeContext.Default.JsonNode), ct);
    }

    public static async Task WriteObjectAsync(HttpContext context, int statusCode, ResourceType type, string version, StoredObject obj, CancellationToken ct)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(ForVersion(type, version, obj.Json), ct);
    }

    public static Task WriteErrorAsync(HttpContext context, KubeApiException error, CancellationToken ct)
    {
        if (error.RetryAfterSeconds is { } retry)
        {
            context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(context, error.Code, error.ToStatus(), ct);
    }

    public static async Task WriteListAsync(HttpContext context, ResourceType type, string version, ListPage page, CancellationToken ct)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var pipe = context.Response.BodyWriter;
        await using var writer = new Utf8JsonWriter(pipe);
        writer.WriteStartObject();
        writer.WriteString("kind", type.ListKind);
        writer.WriteString("apiVersion", type.ApiVersionFor(version));
        WriteListMeta(writer, page);
        writer.WriteStartArray("items");
        foreach (var item in page.Items)
        {
            writer.WriteRawValue(ForVersion(type, version, item.Json), skipInputValidation: true);
            if (writer.BytesPending > FlushThreshold)
            {
                await writer.FlushAsync(ct);
                await pipe.FlushAsync(ct);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(ct);
    }

    public static void WriteListMeta(Utf8JsonWriter writer, ListPage page)
    {
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", ObjectMeta.RvString(page.ResourceVersion));
        if (page.Continue is not null)
        {
            writer.WriteString("continue", page.Continue);
        }

        if (page.RemainingItemCount is { } remaining)
        {
            writer.WriteNumber("remainingItemCount", remaining);
        }

        writer.WriteEndObject();
    }

    /// <summary>Objects are stored in the storage version; other served versions differ only in apiVersion (conversion None).</summary>
    public static byte[] ForVersion(ResourceType type, string version, byte[] json)
    {
        if (version == type.StorageVersion)
        {
            return json;
        }

        var node = JsonNode.Parse(json)!.AsObject();
        if (node.GetString("kind") == "Status")
        {
            return json;
        }

        node["apiVersion"] = type.ApiVersionFor(version);
        return JsonSerializer.SerializeToUtf8Bytes(node, JsonNodeContext.Default.JsonObject);
    }
}
