namespace VmNet.Controller.Runtime.Informers;

/// <summary>The server ended a watch with an ERROR event other than 410 Gone.</summary>
public sealed class WatchFailedException : Exception
{
    public WatchFailedException()
    {
    }

    public WatchFailedException(string message)
        : base(message)
    {
    }

    public WatchFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WatchFailedException(int code, string message)
        : base($"watch ended with error status {code}: {message}")
    {
        Code = code;
    }

    public int Code { get; }
}
