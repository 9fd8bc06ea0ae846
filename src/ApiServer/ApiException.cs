using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// A request failure carrying the Kubernetes <c>Status</c> body the real API server would send
/// (status Failure, reason, code, details). Thrown by the store and turned into a response by the HTTP layer.
/// </summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    /// <summary>Seconds a client should wait before retrying (429 responses).</summary>
    public int? RetryAfterSeconds { get; init; }

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.DeepClone();
        }

        status["code"] = Code;
        return status;
    }

    internal static JsonObject DetailsFor(ResourceType type, string? name, bool useKind = false)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            details["name"] = name;
        }

        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = useKind ? type.Kind : type.Plural;
        return details;
    }

    public static KubeApiException NotFound(ResourceType type, string name) =>
        new((int)HttpStatusCode.NotFound, "NotFound", $"{type.QualifiedName} \"{name}\" not found", DetailsFor(type, name));

    public static KubeApiException NotFoundPath() =>
        new((int)HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static KubeApiException AlreadyExists(ResourceType type, string name) =>
        new((int)HttpStatusCode.Conflict, "AlreadyExists", $"{type.QualifiedName} \"{name}\" already exists", DetailsFor(type, name));

    public static KubeApiException Conflict(ResourceType type, string name, string why) =>
        new((int)HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": {why}", DetailsFor(type, name));

    public static KubeApiException StaleResourceVersion(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static KubeApiException BadRequest(string message) =>
        new((int)HttpStatusCode.BadRequest, "BadRequest", message);

    public static KubeApiException MethodNotAllowed(string method) =>
        new((int)HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})", new JsonObject());

    public static KubeApiException UnsupportedMediaType(string contentType) =>
        new((int)HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got \"{contentType}\")");

    public static KubeApiException Forbidden(ResourceType type, string name, string why) =>
        new((int)HttpStatusCode.Forbidden, "Forbidden", $"{type.QualifiedName} \"{name}\" is forbidden: {why}", DetailsFor(type, name));

    public static KubeApiException Expired(string message) =>
        new((int)HttpStatusCode.Gone, "Expired", message);

    public static KubeApiException Unauthorized() =>
        new((int)HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized");

    public static KubeApiException Internal(string message) =>
        new((int)HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: {message}", new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    public static KubeApiException TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "Too many requests, please try again later.", new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds })
        {
            RetryAfterSeconds = retryAfterSeconds,
        };

    /// <summary>422 Invalid with one field cause, formatted like the real server's field.ErrorList.</summary>
    public static KubeApiException Invalid(ResourceType type, string? name, string field, string causeReason, string detail)
    {
        var details = DetailsFor(type, name, useKind: true);
        details["causes"] = new JsonArray(new JsonObject
        {
            ["reason"] = causeReason,
            ["message"] = detail,
            ["field"] = field,
        });
        return new KubeApiException(422, "Invalid", $"{type.Kind} \"{name ?? string.Empty}\" is invalid: {field}: {detail}", details);
    }

    /// <summary>422 Invalid listing several field errors, joined as the real server's aggregate message does.</summary>
    public static KubeApiException Invalid(ResourceType type, string? name, IReadOnlyList<(string Field, string Reason, string Detail)> causes)
    {
        var details = DetailsFor(type, name, useKind: true);
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode?)new JsonObject
        {
            ["reason"] = c.Reason,
            ["message"] = c.Detail,
            ["field"] = c.Field,
        }).ToArray());
        var list = string.Join(", ", causes.Select(c => $"{c.Field}: {c.Detail}"));
        var summary = causes.Count == 1 ? list : $"[{list}]";
        return new KubeApiException(422, "Invalid", $"{type.Kind}.{type.Group} \"{name ?? string.Empty}\" is invalid: {summary}", details);
    }

    /// <summary>422 with reason Invalid and no causes, as the server reports a JSON patch that cannot be applied.</summary>
    public static KubeApiException UnprocessablePatch(string message) =>
        new(422, "Invalid", message);
}
