namespace VmNet.Controller.Runtime.Informers;

/// <summary>Where a <see cref="Reflector{T}"/> puts what it lists and watches.</summary>
internal interface IReflectorStore<T>
    where T : class
{
    /// <summary>Makes the cache equal to a fresh list, notifying only the differences.</summary>
    void Replace(IReadOnlyList<T> items, string resourceVersion);

    /// <summary>Applies one watch event.</summary>
    void Apply(WatchEventType type, T obj);
}
