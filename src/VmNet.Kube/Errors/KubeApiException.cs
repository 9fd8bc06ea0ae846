using System.Net;
using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>
/// The API server answered with an error status. <see cref="Reason"/> and the message come from the
/// <c>Status</c> body when the server sent one. Subclasses name the statuses callers handle.
/// </summary>
public class KubeApiException : KubeException
{
    public KubeApiException(HttpStatusCode statusCode, string method, string path, V1Status? status, string? retryAfter = null)
        : base(Describe(statusCode, method, path, status))
    {
        StatusCode = statusCode;
        Method = method;
        Path = path;
        Status = status;
        RetryAfter = retryAfter;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>HTTP method of the failed request.</summary>
    public string Method { get; }

    /// <summary>Path and query of the failed request.</summary>
    public string Path { get; }

    /// <summary>The Status body, when the server sent one.</summary>
    public V1Status? Status { get; }

    /// <summary>Machine-readable reason from the Status (NotFound, Conflict, AlreadyExists, Expired, ...).</summary>
    public string? Reason => Status?.Reason;

    /// <summary>The Retry-After header value, when present.</summary>
    public string? RetryAfter { get; }

    /// <summary>Maps a status code to the most specific exception type.</summary>
    public static KubeApiException Create(HttpStatusCode statusCode, string method, string path, V1Status? status, string? retryAfter = null) =>
        (int)statusCode switch
        {
            401 => new KubeUnauthorizedException(method, path, status),
            403 => new KubeForbiddenException(method, path, status),
            404 => new KubeNotFoundException(method, path, status),
            409 => new KubeConflictException(method, path, status),
            410 => new KubeGoneException(method, path, status),
            429 => new KubeTooManyRequestsException(method, path, status, retryAfter),
            >= 500 and <= 599 => new KubeServerErrorException(statusCode, method, path, status, retryAfter),
            _ => new KubeApiException(statusCode, method, path, status, retryAfter),
        };

    private static string Describe(HttpStatusCode statusCode, string method, string path, V1Status? status)
    {
        var code = (int)statusCode;
        var reason = string.IsNullOrEmpty(status?.Reason) ? statusCode.ToString() : status.Reason;
        var message = string.IsNullOrEmpty(status?.Message) ? "(no Status body)" : status.Message;
        return $"{method} {path} failed: HTTP {code} {reason}: {message}";
    }
}

/// <summary>401: credentials missing, expired or rejected.</summary>
public sealed class KubeUnauthorizedException(string method, string path, V1Status? status)
    : KubeApiException(HttpStatusCode.Unauthorized, method, path, status);

/// <summary>403: authenticated but not allowed (RBAC), or refused by admission.</summary>
public sealed class KubeForbiddenException(string method, string path, V1Status? status)
    : KubeApiException(HttpStatusCode.Forbidden, method, path, status);

/// <summary>404: the object (or its namespace, or the resource type) does not exist.</summary>
public sealed class KubeNotFoundException(string method, string path, V1Status? status)
    : KubeApiException(HttpStatusCode.NotFound, method, path, status);

/// <summary>
/// 409: optimistic-concurrency conflict (stale resourceVersion, failed precondition) or AlreadyExists on create.
/// Never retried by the client: the caller must re-read and decide.
/// </summary>
public sealed class KubeConflictException(string method, string path, V1Status? status)
    : KubeApiException(HttpStatusCode.Conflict, method, path, status)
{
    /// <summary>True for a create that hit an existing object (reason AlreadyExists).</summary>
    public bool AlreadyExists => Reason == "AlreadyExists";
}

/// <summary>
/// 410: the resource version (of a watch or a list continue token) is too old. An informer must re-list.
/// Also raised for a watch ERROR event carrying a Status with code 410.
/// </summary>
public sealed class KubeGoneException(string method, string path, V1Status? status)
    : KubeApiException(HttpStatusCode.Gone, method, path, status);

/// <summary>429: the server is shedding load; raised only after the retries allowed are spent.</summary>
public sealed class KubeTooManyRequestsException(string method, string path, V1Status? status, string? retryAfter)
    : KubeApiException(HttpStatusCode.TooManyRequests, method, path, status, retryAfter);

/// <summary>5xx: the server failed; raised after the retries allowed for the verb are spent.</summary>
public sealed class KubeServerErrorException(HttpStatusCode statusCode, string method, string path, V1Status? status, string? retryAfter)
    : KubeApiException(statusCode, method, path, status, retryAfter);
