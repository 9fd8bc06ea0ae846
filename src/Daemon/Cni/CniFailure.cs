using System.Net;
using VmNet.Cni;

namespace VmNet.Daemon.Cni;

/// <summary>
/// A CNI call that fails with a protocol error code (PROTOCOL.md "Error codes") and the HTTP status
/// telling the binary whether retrying can help (400 never, 503 later, 500 failed).
/// </summary>
public sealed class CniFailure : Exception
{
    public CniFailure(int code, string message, HttpStatusCode status = HttpStatusCode.InternalServerError, string? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Status = status;
        Details = details;
    }

    public int Code { get; }

    public HttpStatusCode Status { get; }

    public string? Details { get; }

    public DaemonError ToError() => new() { Code = Code, Msg = Message, Details = Details };

    public static CniFailure BadRequest(int code, string message) => new(code, message, HttpStatusCode.BadRequest);

    public static CniFailure SetupFailed(string message, Exception? inner = null) =>
        new(CniErrorCodes.InterfaceSetupFailed, message, HttpStatusCode.InternalServerError, inner?.Message, inner);
}
