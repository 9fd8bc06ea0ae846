namespace VmNet.Ovsdb.Errors;

/// <summary>
/// The server answers but must not be used for this clustered database: it is not connected to its cluster,
/// not the leader (with leader-only), or has applied less of the log than we already saw.
/// </summary>
public sealed class OvsdbServerNotUsableException : OvsdbConnectionException
{
    public OvsdbServerNotUsableException(string message)
        : base(message)
    {
    }
}
