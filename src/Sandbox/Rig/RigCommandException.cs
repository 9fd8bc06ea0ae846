namespace VmNet.Sandbox.Rig;

/// <summary>An external tool (ovs-vsctl, ip, ovn-nbctl...) failed or did not finish in time.</summary>
public sealed class RigCommandException : Exception
{
    public RigCommandException(string message)
        : base(message)
    {
    }

    public RigCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RigCommandException()
    {
    }

    public CommandResult? Result { get; init; }
}
