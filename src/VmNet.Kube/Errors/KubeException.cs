namespace VmNet.Kube;

/// <summary>Base of every error this library raises for a failed API call.</summary>
public class KubeException : Exception
{
    public KubeException(string message)
        : base(message)
    {
    }

    public KubeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The API server could not be reached or the connection broke (refused, reset, TLS failure, timeout).
/// <see cref="RequestSent"/> tells whether the server may have acted on the request.
/// </summary>
public sealed class KubeConnectionException : KubeException
{
    public KubeConnectionException(string message, bool requestSent, Exception? innerException)
        : base(message, innerException)
    {
        RequestSent = requestSent;
    }

    /// <summary>False when the failure happened before the request left this process (connect, DNS, TLS handshake).</summary>
    public bool RequestSent { get; }
}

/// <summary>The server answered with something that is not the JSON we expect (malformed or wrong shape).</summary>
public sealed class KubeProtocolException : KubeException
{
    public KubeProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A kubeconfig or in-cluster configuration is missing, unreadable or unsupported.</summary>
public sealed class KubeConfigException : KubeException
{
    public KubeConfigException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
