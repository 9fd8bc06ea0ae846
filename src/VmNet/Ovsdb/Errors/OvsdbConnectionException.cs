namespace VmNet.Ovsdb.Errors;

/// <summary>The connection could not be opened, or was lost before a request got its reply.</summary>
public class OvsdbConnectionException : OvsdbException
{
    public OvsdbConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
