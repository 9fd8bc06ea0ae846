namespace VmNet.Ovsdb.Errors;

/// <summary>Base of every error the OVSDB client raises.</summary>
public class OvsdbException : Exception
{
    public OvsdbException(string message)
        : base(message)
    {
    }

    public OvsdbException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
