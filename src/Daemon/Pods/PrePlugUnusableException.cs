namespace VmNet.Daemon.Pods;

/// <summary>
/// The waiting port cannot take the pod's interface: its holding end already carries one (an earlier ADD, for
/// another sandbox of the same pod, attached to it and never finished) or is gone. The ADD removes that port and
/// plugs anew.
/// </summary>
public sealed class PrePlugUnusableException : Exception
{
    public PrePlugUnusableException()
    {
    }

    public PrePlugUnusableException(string message)
        : base(message)
    {
    }

    public PrePlugUnusableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
