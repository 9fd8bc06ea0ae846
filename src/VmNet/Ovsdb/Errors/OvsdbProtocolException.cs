namespace VmNet.Ovsdb.Errors;

/// <summary>The peer sent bytes that are not valid JSON-RPC/OVSDB (garbage, truncated JSON, wrong types).</summary>
public class OvsdbProtocolException : OvsdbException
{
    public OvsdbProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
