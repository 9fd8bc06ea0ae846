using VmNet.Controller.Hosting;

namespace VmNet.E2E.Stack;

/// <summary>
/// The controller an e2e fixture runs in its own process: the options the fixtures share (no leader election, no GC
/// pass during a test, fast KubeVirt discovery) and a start wait that surfaces a failed start instead of a timeout.
/// </summary>
internal static class InProcessController
{
    public static ControllerOptions Options(string defaultCidr, string northbound, int workerCount) => new()
    {
        DisableLeaderElection = true,
        WorkerCount = workerCount,
        GcInterval = TimeSpan.FromHours(1),
        KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(100),
        DefaultCidr = defaultCidr,
        NorthboundAddress = northbound,
    };

    /// <summary>
    /// The context of <paramref name="host"/> once it has started and found the KubeVirt API; if
    /// <paramref name="running"/> (its run) ends first, its error is thrown.
    /// </summary>
    public static async Task<ControllerContext> WaitStartedAsync(ControllerHost host, Task running, CancellationToken cancellationToken)
    {
        var first = await Task.WhenAny(host.Started, running).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        if (first == running)
        {
            await running.ConfigureAwait(false);
            throw new InvalidOperationException("the controller stopped before it had started");
        }

        var context = await host.Started.ConfigureAwait(false);
        await context.KubeVirt.WhenAvailableAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return context;
    }
}
