using VmNet.Daemon.Cni;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

public sealed partial class PodInterfaceConfigurator
{
    /// <summary>
    /// Addresses, then routes, on a pod interface that is already in its netns and up: a migration target gets
    /// them only once its port cannot receive the VM's traffic by accident (see <see cref="MigrationTargetBinding"/>).
    /// </summary>
    public static async Task AddAddressingAsync(PodInterfaceSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var podNs = OpenNetns(spec.NetnsPath);
        try
        {
            using var pod = await RouteNetlinkClient.OpenInAsync(podNs, cancellationToken).ConfigureAwait(false);
            foreach (var address in spec.Addresses)
            {
                await pod.AddAddressAsync(spec.IfName, address, new AddressOptions(NoDad: spec.NoDad), cancellationToken).ConfigureAwait(false);
            }

            foreach (var route in spec.Routes)
            {
                await pod.ReplaceRouteAsync(route, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (KernelNetworkException e)
        {
            throw CniFailure.SetupFailed($"adding {string.Join(", ", spec.Addresses)} to {spec.IfName} in {spec.NetnsPath} failed: {e.Message}", e);
        }
    }
}
