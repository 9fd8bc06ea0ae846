using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace VmNet.ApiServer;

/// <summary>Turns HTTP requests into store operations with the real API server's verbs, status codes and bodies.</summary>
internal sealed partial class ApiHandler(ObjectStore store, ResourceRegistry registry, ApiServerControls controls, ApiServerOptions options, Func<string> hostPort)
{
    public async Task HandleAsync(HttpContext context, CancellationToken serverStopping)
    {
        var ct = context.RequestAborted;
        try
        {
            if (options.BearerToken is { } token && !Discovery.IsPublic(context.Request.Path)
                && context.Request.Headers.Authorization.ToString() != "Bearer " + token)
            {
                throw KubeApiException.Unauthorized();
            }

            if (await Discovery.TryHandleAsync(context, registry, options, hostPort(), ct))
            {
                return;
            }

            await HandleResourceAsync(context, serverStopping, ct);
        }
        catch (KubeApiException e) when (!context.Response.HasStarted)
        {
            await ResponseWriter.WriteErrorAsync(context, e, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || serverStopping.IsCancellationRequested)
        {
            // Client went away or the server is stopping; nothing to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A bug here must still reach the client as the Status a real server sends for internal errors.
            await ResponseWriter.WriteErrorAsync(context, KubeApiException.Internal($"{e.GetType().Name}: {e.Message}"), ct);
        }
    }

    private async Task HandleResourceAsync(HttpContext context, CancellationToken serverStopping, CancellationToken ct)
    {
        var target = RequestTarget.Parse(context.Request.Path.Value ?? "/") ?? throw KubeApiException.NotFoundPath();
        var type = registry.Find(target.Group, target.Version, target.Plural) ?? throw KubeApiException.NotFoundPath();
        var isStatus = target.Subresource == "status";
        if ((target.Subresource is not null && !isStatus) || (isStatus && !type.HasStatus) || (!type.Namespaced && target.Namespace is not null))
        {
            throw KubeApiException.NotFoundPath();
        }

        var query = context.Request.Query;
        var method = context.Request.Method;
        var verb = VerbFor(method, target, IsTrue(query["watch"]));
        var resourceName = isStatus ? type.Plural + "/status" : type.Plural;
        var info = new ApiRequestInfo(verb, resourceName, target.Namespace, target.Name);
        controls.Count(info);
        if (controls.TakeDelay(info) is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, options.TimeProvider, ct);
        }

        if (controls.TakeFault(info) is { } fault)
        {
            throw fault;
        }

        // Namespaced objects are addressed with their namespace; the all-namespaces path only lists and watches.
        if (type.Namespaced && target.Namespace is null && verb is not ("list" or "watch"))
        {
            throw verb == "create" ? KubeApiException.MethodNotAllowed(method) : KubeApiException.NotFoundPath();
        }

        var version = target.Version;
        switch (verb)
        {
            case "get":
                await WriteObjectOrTableAsync(context, 200, type, version, store.GetStored(type, target.Namespace, target.Name!), ct);
                break;
            case "list":
                await ListAsync(context, type, version, target.Namespace, ct);
                break;
            case "watch":
                await WatchAsync(context, type, version, target.Namespace, target.Name, serverStopping, ct);
                break;
            case "create":
                var created = store.CreateStored(type, target.Namespace, await ReadBodyAsync(context, ct), DryRun(query));
                await ResponseWriter.WriteObjectAsync(context, 201, type, version, created, ct);
                break;
            case "update":
                var updated = store.ReplaceStored(type, target.Namespace, target.Name!, await ReadBodyAsync(context, ct), isStatus, out var createdByPut, DryRun(query));
                await ResponseWriter.WriteObjectAsync(context, createdByPut ? 201 : 200, type, version, updated, ct);
                break;
            case "patch":
                var kind = PatchKindFor(context.Request.ContentType ?? string.Empty);
                using (var reader = new StreamReader(context.Request.Body))
                {
                    var patched = store.PatchStored(type, target.Namespace, target.Name!, kind, await reader.ReadToEndAsync(ct), isStatus, DryRun(query));
                    await ResponseWriter.WriteObjectAsync(context, 200, type, version, patched, ct);
                }

                break;
            case "delete":
                var outcome = store.DeleteStored(type, target.Namespace, target.Name!, await ReadDeleteOptionsAsync(context, ct), DryRun(query));
                await WriteDeleteResultAsync(context, type, version, outcome, ct);
                break;
            case "deletecollection":
                await DeleteCollectionAsync(context, type, version, target.Namespace, ct);
                break;
            default:
                throw KubeApiException.MethodNotAllowed(method);
        }
    }

    private static string VerbFor(string method, RequestTarget target, bool watchParam)
    {
        var named = target.Name is not null;
        return method switch
        {
            "GET" when target.LegacyWatch || watchParam => "watch",
            "GET" => named ? "get" : "list",
            "POST" when !named => "create",
            "PUT" when named => "update",
            "PATCH" when named => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => "unsupported:" + method,
        };
    }

    private static bool DryRun(IQueryCollection query) => query["dryRun"].ToString() switch
    {
        "" => false,
        "All" => true,
        var other => throw KubeApiException.BadRequest($"dryRun: Unsupported value: \"{other}\": supported values: \"All\""),
    };

    private static bool IsTrue(string? value) => value is "1" or "true" or "True";

    private static PatchKind PatchKindFor(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType switch
        {
            "application/json-patch+json" => PatchKind.Json,
            "application/merge-patch+json" => PatchKind.Merge,
            "application/strategic-merge-patch+json" => PatchKind.StrategicMerge,
            _ => throw KubeApiException.UnsupportedMediaType(mediaType),
        };
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context, CancellationToken ct)
    {
        var mediaType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim();
        if (mediaType == "application/vnd.kubernetes.protobuf")
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, ct);
            return ProtobufObjects.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        if (mediaType is not ("application/json" or ""))
        {
            throw new KubeApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json (got \"{mediaType}\")");
        }

        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: ct);
            return node as JsonObject ?? throw KubeApiException.BadRequest("the request body is not a JSON object");
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext context, CancellationToken ct)
    {
        var query = context.Request.Query;
        PropagationPolicy? policy = null;
        string? uid = null;
        string? rv = null;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var text = await reader.ReadToEndAsync(ct);
            if (!string.IsNullOrWhiteSpace(text))
            {
                JsonObject body;
                try
                {
                    body = JsonNode.Parse(text) as JsonObject ?? throw KubeApiException.BadRequest("DeleteOptions must be a JSON object");
                }
                catch (JsonException e)
                {
                    throw KubeApiException.BadRequest($"invalid DeleteOptions: {e.Message}");
                }

                policy = ParsePolicy(body.GetString("propagationPolicy"));
                if (policy is null && body["orphanDependents"] is JsonValue orphan)
                {
                    policy = (bool)orphan ? PropagationPolicy.Orphan : PropagationPolicy.Background;
                }

                uid = (string?)body["preconditions"]?["uid"];
                rv = (string?)body["preconditions"]?["resourceVersion"];
            }
        }

        policy ??= ParsePolicy(query["propagationPolicy"]);
        if (policy is null && query["orphanDependents"].Count > 0)
        {
            policy = IsTrue(query["orphanDependents"]) ? PropagationPolicy.Orphan : PropagationPolicy.Background;
        }

        return new DeleteOptions { Propagation = policy, PreconditionUid = uid, PreconditionResourceVersion = rv };
    }

    private static PropagationPolicy? ParsePolicy(string? value) => value switch
    {
        null or "" => null,
        "Background" => PropagationPolicy.Background,
        "Foreground" => PropagationPolicy.Foreground,
        "Orphan" => PropagationPolicy.Orphan,
        _ => throw KubeApiException.BadRequest($"DeleteOptions.propagationPolicy: Unsupported value: \"{value}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
    };

    private static Task WriteDeleteResultAsync(HttpContext context, ResourceType type, string version, DeleteOutcome outcome, CancellationToken ct)
    {
        if (!outcome.Removed || type.ReturnsDeletedObject)
        {
            return ResponseWriter.WriteObjectAsync(context, 200, type, version, outcome.Object, ct);
        }

        var details = KubeApiException.DetailsFor(type, outcome.Object.Name);
        details["uid"] = outcome.Object.Uid;
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
        return ResponseWriter.WriteJsonAsync(context, 200, status, ct);
    }

    private ListOptions ListOptionsFrom(IQueryCollection query)
    {
        var limit = 0;
        if (query["limit"].ToString() is { Length: > 0 } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            throw KubeApiException.BadRequest($"invalid limit \"{limitText}\"");
        }

        return new ListOptions
        {
            Labels = LabelSelector.Parse(query["labelSelector"]),
            Fields = FieldSelector.Parse(query["fieldSelector"]),
            Limit = limit,
            Continue = query["continue"],
        };
    }

    private async Task ListAsync(HttpContext context, ResourceType type, string version, string? ns, CancellationToken ct)
    {
        var page = store.ListStored(type, ns, ListOptionsFrom(context.Request.Query));
        if (TableConverter.Wanted(context.Request))
        {
            var table = TableConverter.ToTable(type, version, page.Items, page, TableConverter.IncludeObject(context.Request), options.TimeProvider.GetUtcNow());
            await ResponseWriter.WriteJsonAsync(context, 200, table, ct);
            return;
        }

        await ResponseWriter.WriteListAsync(context, type, version, page, ct);
    }

    private Task WriteObjectOrTableAsync(HttpContext context, int statusCode, ResourceType type, string version, StoredObject obj, CancellationToken ct)
    {
        if (TableConverter.Wanted(context.Request))
        {
            var page = new ListPage([obj], obj.ResourceVersion, null, null);
            var table = TableConverter.ToTable(type, version, [obj], page, TableConverter.IncludeObject(context.Request), options.TimeProvider.GetUtcNow());
            return ResponseWriter.WriteJsonAsync(context, statusCode, table, ct);
        }

        return ResponseWriter.WriteObjectAsync(context, statusCode, type, version, obj, ct);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceType type, string version, string? ns, CancellationToken ct)
    {
        var deleteOptions = await ReadDeleteOptionsAsync(context, ct);
        var page = store.ListStored(type, ns, ListOptionsFrom(context.Request.Query) with { Limit = 0, Continue = null });
        var deleted = new List<StoredObject>();
        foreach (var item in page.Items)
        {
            try
            {
                deleted.Add(store.DeleteStored(type, item.Namespace, item.Name, deleteOptions with { PreconditionUid = null, PreconditionResourceVersion = null }).Object);
            }
            catch (KubeApiException e) when (e.Code == 404)
            {
                // Already gone through garbage collection of an earlier item.
            }
        }

        await ResponseWriter.WriteListAsync(context, type, version, new ListPage(deleted, store.CurrentResourceVersion, null, null), ct);
    }
}
