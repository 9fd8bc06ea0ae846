namespace VmNet.Daemon.Pods;

/// <summary>
/// The holding end of a waiting port already carries a pod interface: an earlier ADD (another sandbox of the
/// same pod) attached to it and never finished. The ADD removes that port and plugs anew.
/// </summary>
public sealed class PrePlugTakenException : Exception
{
    public PrePlugTakenException()
    {
    }

    public PrePlugTakenException(string message)
        : base(message)
    {
    }

    public PrePlugTakenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
