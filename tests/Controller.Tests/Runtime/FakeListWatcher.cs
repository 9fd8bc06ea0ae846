using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VmNet.Controller.Runtime.Informers;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>
/// An in-memory collection with a server's list/watch behaviour: every change gets the next resource
/// version; watches replay history after their version and then stream; history can be compacted (old
/// versions answer 410) and open watches can be dropped.
/// </summary>
public sealed class FakeListWatcher : IListWatcher<FakeObject>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeObject> _objects = [];
    private readonly List<(long Version, WatchEvent<FakeObject> Event)> _history = [];
    private readonly List<Channel<WatchEvent<FakeObject>>> _watches = [];
    private TaskCompletionSource _watchesAllowed = CompletedSource();
    private long _version;
    private long _compactedThrough;

    public int ListCalls { get; private set; }

    public int WatchCalls { get; private set; }

    /// <summary>The next this many lists throw, like an unreachable server.</summary>
    public int FailLists { get; set; }

    /// <summary>When set, a watch from a compacted version gets an ERROR event instead of an exception.</summary>
    public bool ExpireWithErrorEvent { get; set; }

    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    public IReadOnlyDictionary<string, FakeObject> Snapshot()
    {
        lock (_gate)
        {
            return new Dictionary<string, FakeObject>(_objects);
        }
    }

    public FakeObject Upsert(string ns, string name, string data, string? node = null, string? owner = null)
    {
        lock (_gate)
        {
            var version = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var key = ObjectKeys.For(ns, name);
            var existed = _objects.TryGetValue(key, out var old);
            var obj = new FakeObject(ns, name, version, data, node, owner) { Uid = old?.Uid ?? Guid.NewGuid().ToString() };
            _objects[key] = obj;
            PublishLocked(new WatchEvent<FakeObject>(existed ? WatchEventType.Modified : WatchEventType.Added, obj, version));
            return obj;
        }
    }

    public bool Delete(string ns, string name)
    {
        lock (_gate)
        {
            if (!_objects.Remove(ObjectKeys.For(ns, name), out var old))
            {
                return false;
            }

            var version = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            PublishLocked(new WatchEvent<FakeObject>(WatchEventType.Deleted, old with { ResourceVersion = version }, version));
            return true;
        }
    }

    /// <summary>Sends a bookmark at a fresh version to open watches.</summary>
    public string Bookmark()
    {
        lock (_gate)
        {
            var version = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var watch in _watches)
            {
                watch.Writer.TryWrite(WatchEvent<FakeObject>.Bookmark(version));
            }

            return version;
        }
    }

    /// <summary>New watches wait (as if the server were unreachable) until <see cref="ResumeWatches"/>.</summary>
    public void PauseWatches()
    {
        lock (_gate)
        {
            _watchesAllowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ResumeWatches()
    {
        lock (_gate)
        {
            _watchesAllowed.TrySetResult();
        }
    }

    /// <summary>Forgets all history: watches from any earlier version now get 410.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedThrough = _version;
            _history.Clear();
        }
    }

    /// <summary>Ends every open watch, as a connection loss or server restart would.</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Writer.TryComplete();
            }

            _watches.Clear();
        }
    }

    public Task<ListResult<FakeObject>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ListCalls++;
            if (FailLists > 0)
            {
                FailLists--;
                throw new HttpRequestException("connection refused (simulated)");
            }

            return Task.FromResult(new ListResult<FakeObject>([.. _objects.Values], _version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public async IAsyncEnumerable<WatchEvent<FakeObject>> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = long.Parse(resourceVersion, System.Globalization.CultureInfo.InvariantCulture);
        var channel = Channel.CreateUnbounded<WatchEvent<FakeObject>>();
        Task allowed;
        lock (_gate)
        {
            allowed = _watchesAllowed.Task;
        }

        await allowed.WaitAsync(cancellationToken);
        lock (_gate)
        {
            WatchCalls++;
            if (from < _compactedThrough)
            {
                if (!ExpireWithErrorEvent)
                {
                    throw new ResourceExpiredException(resourceVersion, "too old resource version");
                }

                channel.Writer.TryWrite(WatchEvent<FakeObject>.Error(410, "too old resource version"));
                channel.Writer.TryComplete();
            }
            else
            {
                foreach (var (version, evt) in _history.Where(h => h.Version > from))
                {
                    channel.Writer.TryWrite(evt);
                }

                _watches.Add(channel);
            }
        }

        try
        {
            await foreach (var evt in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return evt;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(channel);
            }
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    private void PublishLocked(WatchEvent<FakeObject> evt)
    {
        _history.Add((_version, evt));
        foreach (var watch in _watches)
        {
            watch.Writer.TryWrite(evt);
        }
    }
}
