using System.Net;
using VmNet.Cni;

namespace VmNet.Daemon.Cni;

public sealed partial class CniHandler
{
    /// <summary>STATUS: ready when OVS is connected, br-int exists and the chassis is registered in the Southbound DB.</summary>
    public Task StatusAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return status.Problem() is { } problem
            ? Task.FromException(new CniFailure(CniErrorCodes.PluginNotAvailable, problem, HttpStatusCode.ServiceUnavailable))
            : Task.CompletedTask;
    }
}
