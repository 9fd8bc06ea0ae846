namespace VmNet.Kube.Transport;

/// <summary>
/// What may be retried after a failure. The rule (also in the README):
/// <list type="bullet">
/// <item>Every verb is retried on 429 (the server rejected it before doing anything, and says when to come back),
/// on 5xx carrying Retry-After (same promise), and on connection errors that happened before the request was
/// sent (connect refused, DNS, TLS handshake).</item>
/// <item>Only <see cref="Idempotent"/> requests (GET/list/watch, PUT, merge patch, DELETE) are retried on other
/// 5xx, on timeouts and on connections that broke after the request was sent: repeating them cannot do
/// something different from once. A repeated PUT with a resourceVersion that did apply reports 409, a repeated
/// DELETE that did apply reports 404; both tell the truth about the object.</item>
/// <item>POST (create) and JSON patch are <see cref="NotIdempotent"/>: after an ambiguous failure the caller
/// gets the error and re-reads, since a blind repeat could create a second object or apply an edit twice.</item>
/// <item>409 Conflict is never retried.</item>
/// </list>
/// </summary>
internal enum RequestSafety
{
    Idempotent,
    NotIdempotent,
}
