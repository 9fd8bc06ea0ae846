namespace VmNet.Ovsdb.Errors;

/// <summary>The server answered a request with a non-null JSON-RPC <c>error</c>.</summary>
public class OvsdbRpcException : OvsdbException
{
    public OvsdbRpcException(string method, string error, string? details)
        : base($"OVSDB {method} failed: {error}{(details is null ? "" : " (" + details + ")")}")
    {
        Method = method;
        Error = error;
        Details = details;
    }

    public string Method { get; }

    public string Error { get; }

    public string? Details { get; }
}
