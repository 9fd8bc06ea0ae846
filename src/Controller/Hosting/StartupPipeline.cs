using Microsoft.Extensions.Logging;
using VmNet.Kube;

namespace VmNet.Controller.Hosting;

/// <summary>The ordered startup steps a new leader runs before any worker (see <see cref="IControllerModule"/>).</summary>
internal sealed class StartupPipeline(ControllerContext context, ControllerRegistry registry, IReadOnlyList<IControllerModule> modules, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var module in modules)
        {
            module.Register(context, registry);
        }

        context.Informers.Start(cancellationToken);
        logger.LogInformation("waiting for informer caches");
        if (await context.Kube.IsServedAsync(KubeResources.NetworkAttachmentDefinitions, cancellationToken).ConfigureAwait(false))
        {
            await context.Informers.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Without Multus the NAD informer cannot list; it keeps retrying and syncs once the CRD appears.
            logger.LogWarning("network-attachment-definitions.k8s.cni.cncf.io is not served: attachment networks wait until it is installed");
            await Task.WhenAll(
                context.SubnetInformer.WaitForCacheSyncAsync(cancellationToken),
                context.VpcInformer.WaitForCacheSyncAsync(cancellationToken),
                context.IpInformer.WaitForCacheSyncAsync(cancellationToken),
                context.NamespaceInformer.WaitForCacheSyncAsync(cancellationToken),
                context.NodeInformer.WaitForCacheSyncAsync(cancellationToken),
                context.PodInformer.WaitForCacheSyncAsync(cancellationToken)).ConfigureAwait(false);
        }

        await DefaultResources.EnsureAsync(context, cancellationToken).ConfigureAwait(false);

        foreach (var module in modules)
        {
            logger.LogInformation("initialising {Module} (order {Order})", module.GetType().Name, module.Order);
            await module.InitializeAsync(context, cancellationToken).ConfigureAwait(false);
        }

        logger.LogInformation("startup complete: {Count} controllers ({Names})", registry.Controllers.Count, string.Join(", ", registry.Controllers.Select(c => c.Name)));
    }
}
