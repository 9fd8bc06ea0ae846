namespace VmNet.Daemon.Sriov;

/// <summary>Why an SR-IOV VF cannot be used or released; the message names the device and the sysfs path or value at fault.</summary>
public sealed class SriovException : Exception
{
    public SriovException()
    {
    }

    public SriovException(string message)
        : base(message)
    {
    }

    public SriovException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
