using Microsoft.Extensions.Logging;

namespace VmNet.Controller.Hosting;

/// <summary>A named loop run beside the workers.</summary>
public sealed record BackgroundTask(string Name, Func<CancellationToken, Task> Run);

/// <summary>The resource controllers the host runs; modules add theirs in <see cref="IControllerModule.Register"/>.</summary>
public sealed class ControllerRegistry(ControllerContext context)
{
    private readonly List<ResourceController> _controllers = [];
    private readonly List<BackgroundTask> _background = [];

    public IReadOnlyList<ResourceController> Controllers => _controllers;

    /// <summary>Loops that run beside the workers (periodic GC, status refreshers), started with them.</summary>
    public IReadOnlyList<BackgroundTask> BackgroundTasks => _background;

    /// <summary>Adds a loop started with the workers and cancelled on shutdown; a failure is logged, never fatal.</summary>
    public void AddBackground(string name, Func<CancellationToken, Task> run)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(run);
        _background.Add(new BackgroundTask(name, run));
    }

    /// <summary>Creates the queue for <paramref name="reconciler"/>; workers start after the startup pipeline.</summary>
    public ResourceController Add(IReconciler reconciler, int? workers = null)
    {
        ArgumentNullException.ThrowIfNull(reconciler);
        if (_controllers.Any(c => c.Name == reconciler.Name))
        {
            throw new InvalidOperationException($"a controller named {reconciler.Name} is already registered");
        }

        var controller = new ResourceController(
            reconciler,
            workers ?? context.Options.WorkerCount,
            context.Time,
            context.LoggerFactory.CreateLogger("VmNet.Controller." + reconciler.Name));
        _controllers.Add(controller);
        return controller;
    }

    public ResourceController Get(string name) =>
        _controllers.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"no controller named {name}");
}
