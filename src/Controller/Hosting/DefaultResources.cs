using Microsoft.Extensions.Logging;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Hosting;

/// <summary>
/// Creates the default Vpc (<see cref="ControllerOptions.ClusterRouter"/>), default Subnet and join Subnet from
/// the flags when they are missing (an existing one is left as the user has it), and waits until the informer
/// caches hold them so the startup steps that follow see them.
/// </summary>
public static class DefaultResources
{
    public static V1Vpc DefaultVpc(ControllerOptions options) => new()
    {
        Metadata = new V1ObjectMeta { Name = options.ClusterRouter },
        Spec = new V1VpcSpec(),
    };

    public static V1Subnet DefaultSubnet(ControllerOptions options) => new()
    {
        Metadata = new V1ObjectMeta { Name = options.DefaultSubnet },
        Spec = new V1SubnetSpec
        {
            Default = true,
            Vpc = options.ClusterRouter,
            CidrBlock = options.DefaultCidr,
            Gateway = string.IsNullOrEmpty(options.DefaultGateway) ? null : options.DefaultGateway,
            ExcludeIps = [.. options.DefaultExcludeIps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            Provider = ControllerOptions.OvnProvider,
            GatewayType = "distributed",
            NatOutgoing = true,
            EnableLb = options.EnableLb,
        },
    };

    public static V1Subnet JoinSubnet(ControllerOptions options) => new()
    {
        Metadata = new V1ObjectMeta { Name = options.NodeSwitch },
        Spec = new V1SubnetSpec
        {
            Vpc = options.ClusterRouter,
            CidrBlock = options.NodeSwitchCidr,
            Gateway = string.IsNullOrEmpty(options.NodeSwitchGateway) ? null : options.NodeSwitchGateway,
            Provider = ControllerOptions.OvnProvider,
            GatewayType = "distributed",
        },
    };

    public static async Task EnsureAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var logger = context.CreateLogger("VmNet.Controller.DefaultResources");
        await CreateIfMissingAsync(context.Kube, DefaultVpc(options), context.VpcInformer.Indexer.Get(null, options.ClusterRouter) is not null, logger, cancellationToken).ConfigureAwait(false);
        await CreateIfMissingAsync(context.Kube, DefaultSubnet(options), context.Subnets.Get(options.DefaultSubnet) is not null, logger, cancellationToken).ConfigureAwait(false);
        await CreateIfMissingAsync(context.Kube, JoinSubnet(options), context.Subnets.Get(options.NodeSwitch) is not null, logger, cancellationToken).ConfigureAwait(false);

        // The informers deliver our creations shortly; the next startup steps read the caches.
        while (context.VpcInformer.Indexer.Get(null, options.ClusterRouter) is null
            || context.Subnets.Get(options.DefaultSubnet) is null
            || context.Subnets.Get(options.NodeSwitch) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), context.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task CreateIfMissingAsync<T>(IKubeClient kube, T obj, bool cached, ILogger logger, CancellationToken cancellationToken)
        where T : class, IKubeResourceObject
    {
        if (cached)
        {
            return;
        }

        try
        {
            await kube.CreateAsync(obj, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("created default {Kind} {Name}", T.Resource.Kind, obj.Metadata!.Name);
        }
        catch (KubeConflictException)
        {
            // Created meanwhile (another replica, or the cache lagged): theirs stands.
        }
    }
}
