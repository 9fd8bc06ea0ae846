using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Queue;

namespace VmNet.Controller.Subnets;

/// <summary>
/// Keeps Subnet <c>status.v4usingIPs</c>/<c>v4availableIPs</c> (and ranges, v6 alike) current while
/// addresses come and go. Keys arrive through <see cref="SubnetCatalog.NotifyUsageChanged"/> and IP CR
/// events, delayed by <see cref="ControllerOptions.SubnetStatusInterval"/> so a burst of allocations costs
/// one status write per subnet.
/// </summary>
public sealed class SubnetUsageReconciler(ControllerContext context) : IReconciler
{
    public const string ControllerName = "subnet-usage";

    private readonly SubnetStatusWriter _status = new(context);

    public string Name => ControllerName;

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        if (context.Subnets.Get(key) is { } subnet && context.Subnets.IsReady(key))
        {
            await _status.WriteUsageAsync(subnet, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Success;
    }
}
