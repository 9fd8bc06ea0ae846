namespace VmNet.Controller.Hosting;

/// <summary>Finds the <see cref="IControllerModule"/>s compiled into the controller.</summary>
public static class ControllerModules
{
    /// <summary>
    /// One instance of every concrete <see cref="IControllerModule"/> with a public parameterless
    /// constructor in the controller assembly, sorted by <see cref="IControllerModule.Order"/> then type name,
    /// so a new feature plugs in by adding its module class alone.
    /// </summary>
    public static IReadOnlyList<IControllerModule> Discover() =>
        typeof(ControllerModules).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IControllerModule).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IControllerModule)Activator.CreateInstance(t)!)
            .OrderBy(m => m.Order)
            .ThenBy(m => m.GetType().FullName, StringComparer.Ordinal)
            .ToArray();
}
