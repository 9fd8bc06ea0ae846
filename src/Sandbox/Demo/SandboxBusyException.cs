namespace VmNet.Sandbox.Demo;

/// <summary>Another sandbox holds the state directory's lock.</summary>
public sealed class SandboxBusyException : Exception
{
    public SandboxBusyException()
    {
    }

    public SandboxBusyException(string message)
        : base(message)
    {
    }

    public SandboxBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
