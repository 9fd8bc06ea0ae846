namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// The server no longer has the history after the resource version we asked for (HTTP 410 Gone or a watch
/// ERROR event with code 410): a watch cannot resume and the collection must be listed again.
/// </summary>
public sealed class ResourceExpiredException : Exception
{
    public ResourceExpiredException()
        : this("resource version expired (410 Gone)")
    {
    }

    public ResourceExpiredException(string message)
        : base(message)
    {
    }

    public ResourceExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ResourceExpiredException(string resourceVersion, string message)
        : base($"resource version {resourceVersion} expired: {message}")
    {
        ResourceVersion = resourceVersion;
    }

    public string? ResourceVersion { get; }
}
