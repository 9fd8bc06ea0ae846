namespace VmNet.Controller.Runtime.Informers;

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; any may be left out.</summary>
public sealed class ResourceEventHandler<T> : IResourceEventHandler<T>
    where T : class
{
    public Action<T, bool>? Add { get; init; }

    public Action<T, T>? Update { get; init; }

    public Action<T, bool>? Delete { get; init; }

    public void OnAdd(T obj, bool isInInitialList) => Add?.Invoke(obj, isInInitialList);

    public void OnUpdate(T oldObj, T newObj) => Update?.Invoke(oldObj, newObj);

    public void OnDelete(T lastKnown, bool finalStateUnknown) => Delete?.Invoke(lastKnown, finalStateUnknown);

    /// <summary>A handler that maps every notification to one key, the usual shape of a controller's handler.</summary>
    public static ResourceEventHandler<T> ForKeys(Action<T> enqueue) => new()
    {
        Add = (obj, _) => enqueue(obj),
        Update = (_, obj) => enqueue(obj),
        Delete = (obj, _) => enqueue(obj),
    };
}
