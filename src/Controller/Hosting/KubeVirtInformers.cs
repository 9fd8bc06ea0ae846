using Microsoft.Extensions.Logging;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Kube;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Hosting;

/// <summary>The KubeVirt informers, created once kubevirt.io/v1 serves all three resources.</summary>
public sealed record KubeVirtInformerSet(
    ISharedInformer<V1VirtualMachine> VirtualMachines,
    ISharedInformer<V1VirtualMachineInstance> VirtualMachineInstances,
    ISharedInformer<V1VirtualMachineInstanceMigration> Migrations);

/// <summary>
/// KubeVirt may be installed after the controller starts, so its informers appear late (Kube-OVN polls
/// discovery every 10 s). Register VM/VMI/VMIM handlers with <see cref="OnAvailable"/> in
/// <see cref="IControllerModule.Register"/>: the callback runs once, when the informers exist and before
/// they start, so it sees the initial list as adds; if KubeVirt is already available it runs at once.
/// </summary>
public sealed class KubeVirtInformers
{
    private readonly ControllerContext _context;
    private readonly Lock _gate = new();
    private readonly List<Action<KubeVirtInformerSet>> _callbacks = [];
    private readonly TaskCompletionSource<KubeVirtInformerSet> _available = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal KubeVirtInformers(ControllerContext context) => _context = context;

    /// <summary>True once the KubeVirt informers exist.</summary>
    public bool IsAvailable => _available.Task.IsCompletedSuccessfully;

    /// <summary>Completes when discovery found KubeVirt and its informers were created.</summary>
    public Task<KubeVirtInformerSet> WhenAvailableAsync(CancellationToken cancellationToken) => _available.Task.WaitAsync(cancellationToken);

    /// <summary>Runs <paramref name="callback"/> once the KubeVirt informers exist (immediately if they already do).</summary>
    public void OnAvailable(Action<KubeVirtInformerSet> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            if (!_available.Task.IsCompletedSuccessfully)
            {
                _callbacks.Add(callback);
                return;
            }
        }

        callback(_available.Task.Result);
    }

    /// <summary>
    /// Polls API discovery until kubevirt.io/v1 serves virtualmachines, virtualmachineinstances and
    /// virtualmachineinstancemigrations, then creates and starts their informers. Runs until found or cancelled.
    /// </summary>
    internal async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        var logger = _context.CreateLogger("VmNet.Controller.KubeVirt");
        var kube = _context.Kube;
        while (true)
        {
            try
            {
                if (await kube.IsServedAsync(KubeResources.VirtualMachines, cancellationToken).ConfigureAwait(false)
                    && await kube.IsServedAsync(KubeResources.VirtualMachineInstances, cancellationToken).ConfigureAwait(false)
                    && await kube.IsServedAsync(KubeResources.VirtualMachineInstanceMigrations, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                logger.LogDebug("KubeVirt not served yet; checking again in {Interval}", _context.Options.KubeVirtDiscoveryInterval);
            }
            catch (KubeException ex)
            {
                logger.LogWarning("KubeVirt discovery failed: {Error}", ex.Message);
            }

            await Task.Delay(_context.Options.KubeVirtDiscoveryInterval, _context.Time, cancellationToken).ConfigureAwait(false);
        }

        var set = new KubeVirtInformerSet(
            _context.Informers.For<V1VirtualMachine>(kube, options: _context.InformerOptions<V1VirtualMachine>("virtualmachines")),
            _context.Informers.For<V1VirtualMachineInstance>(kube, options: _context.InformerOptions<V1VirtualMachineInstance>("virtualmachineinstances")),
            _context.Informers.For<V1VirtualMachineInstanceMigration>(kube, options: _context.InformerOptions<V1VirtualMachineInstanceMigration>("virtualmachineinstancemigrations")));
        List<Action<KubeVirtInformerSet>> callbacks;
        lock (_gate)
        {
            callbacks = [.. _callbacks];
            _callbacks.Clear();
            _available.TrySetResult(set);
        }

        foreach (var callback in callbacks)
        {
            try
            {
                callback(set);
            }
#pragma warning disable CA1031 // One module's failing hook must not keep the others (or the informers) from starting.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogError(ex, "a KubeVirt informer hook failed");
            }
        }

        _context.Informers.Start(cancellationToken);
        logger.LogInformation("KubeVirt found: VirtualMachine, VirtualMachineInstance and VirtualMachineInstanceMigration informers started");
    }
}
