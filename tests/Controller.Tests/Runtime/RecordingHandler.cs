using VmNet.Controller.Runtime.Informers;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>
/// Rebuilds the collection from the notifications alone and flags any that do not follow from the ones
/// before: an add of a known key (a duplicate), an update or delete of an unknown key, an update whose old
/// object is not the last one seen (a lost event), or an update that changes nothing (a duplicate).
/// </summary>
public sealed class RecordingHandler<T> : IResourceEventHandler<T>
    where T : class
{
    private readonly IObjectMetaAccessor<T> _meta;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _view = [];
    private readonly List<string> _log = [];
    private readonly List<string> _violations = [];

    public RecordingHandler(IObjectMetaAccessor<T> meta) => _meta = meta;

    public int Adds { get; private set; }

    public int Updates { get; private set; }

    public int Resyncs { get; private set; }

    public int Deletes { get; private set; }

    public int Tombstones { get; private set; }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    public Dictionary<string, string?> VersionsByKey()
    {
        lock (_gate)
        {
            return _view.ToDictionary(kv => kv.Key, kv => _meta.GetResourceVersion(kv.Value));
        }
    }

    public void OnAdd(T obj, bool isInInitialList)
    {
        lock (_gate)
        {
            var key = ObjectKeys.For(_meta, obj);
            _log.Add($"add {key}@{_meta.GetResourceVersion(obj)}{(isInInitialList ? " initial" : string.Empty)}");
            Adds++;
            if (!_view.TryAdd(key, obj))
            {
                _violations.Add($"add of known {key}");
            }
        }
    }

    public void OnUpdate(T oldObj, T newObj)
    {
        lock (_gate)
        {
            var key = ObjectKeys.For(_meta, newObj);
            _log.Add($"update {key}@{_meta.GetResourceVersion(newObj)}");
            if (ReferenceEquals(oldObj, newObj))
            {
                Resyncs++;
            }
            else
            {
                Updates++;
                if (_meta.GetResourceVersion(oldObj) == _meta.GetResourceVersion(newObj))
                {
                    _violations.Add($"update of {key} without a change");
                }
            }

            if (!_view.TryGetValue(key, out var seen))
            {
                _violations.Add($"update of unknown {key}");
            }
            else if (!ReferenceEquals(seen, oldObj))
            {
                _violations.Add($"update of {key} from {_meta.GetResourceVersion(oldObj)}, last seen {_meta.GetResourceVersion(seen)}");
            }

            _view[key] = newObj;
        }
    }

    public void OnDelete(T lastKnown, bool finalStateUnknown)
    {
        lock (_gate)
        {
            var key = ObjectKeys.For(_meta, lastKnown);
            _log.Add($"delete {key}{(finalStateUnknown ? " tombstone" : string.Empty)}");
            Deletes++;
            if (finalStateUnknown)
            {
                Tombstones++;
            }

            if (!_view.Remove(key))
            {
                _violations.Add($"delete of unknown {key}");
            }
        }
    }

    public async Task WaitUntilAsync(Func<RecordingHandler<T>, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            bool met;
            lock (_gate)
            {
                met = condition(this);
            }

            if (met)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met; notifications so far:\n" + string.Join('\n', Log.TakeLast(40)));
            }

            await Task.Delay(10);
        }
    }
}
