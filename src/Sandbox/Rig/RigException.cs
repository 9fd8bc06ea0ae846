namespace VmNet.Sandbox.Rig;

/// <summary>The rig could not reach a required state (daemon did not start, wait timed out...).</summary>
public sealed class RigException : Exception
{
    public RigException(string message)
        : base(message)
    {
    }

    public RigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RigException()
    {
    }
}
