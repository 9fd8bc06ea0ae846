using Microsoft.Extensions.Logging;

namespace VmNet.Controller.Runtime.Informers;

/// <summary>
/// Keeps a store equal to the server (client-go's Reflector): list, then watch from the list's resource
/// version; when a watch ends, watch again from the last version seen (bookmarks move it too); on 410 Gone,
/// or after repeated watch failures, list again and let the store work out the differences. Failures back
/// off exponentially.
/// </summary>
internal sealed class Reflector<T>
    where T : class
{
    private readonly IListWatcher<T> _listWatcher;
    private readonly IReflectorStore<T> _store;
    private readonly IObjectMetaAccessor<T> _meta;
    private readonly SharedInformerOptions<T> _options;
    private readonly Backoff _backoff;
    private readonly ILogger _logger;
    private string? _lastResourceVersion;

    public Reflector(IListWatcher<T> listWatcher, IReflectorStore<T> store, IObjectMetaAccessor<T> meta, SharedInformerOptions<T> options)
    {
        _listWatcher = listWatcher;
        _store = store;
        _meta = meta;
        _options = options;
        _logger = options.Logger;
        _backoff = new Backoff(options.BackoffInitial, options.BackoffMax, TimeSpan.FromMinutes(2), options.TimeProvider);
    }

    public string? LastSyncResourceVersion => Volatile.Read(ref _lastResourceVersion);

    /// <summary>Number of lists done, the first included; a test and metrics hook.</summary>
    public int ListCount { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var needList = true;
        var watchFailures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    needList = false;
                    watchFailures = 0;
                }

                if (await WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    watchFailures = 0;
                    _backoff.Reset();
                }
                else
                {
                    watchFailures++;
                    _logger.LogDebug("{Informer}: watch from {ResourceVersion} closed at once", _options.Name, LastSyncResourceVersion);
                    await _backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ResourceExpiredException ex)
            {
                _logger.LogInformation("{Informer}: {Reason}; listing again", _options.Name, ex.Message);
                needList = true;
            }
#pragma warning disable CA1031 // Any failure talking to the server is retried; the informer must outlive it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (!needList && ++watchFailures >= _options.WatchFailuresBeforeRelist)
                {
                    needList = true;
                }

                _logger.LogWarning(ex, "{Informer}: {Phase} failed; retrying", _options.Name, needList ? "list" : "watch");
                try
                {
                    await _backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }

            if (watchFailures >= _options.WatchFailuresBeforeRelist)
            {
                needList = true;
            }
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await _listWatcher.ListAsync(cancellationToken).ConfigureAwait(false);
        _store.Replace(list.Items, list.ResourceVersion);
        Volatile.Write(ref _lastResourceVersion, list.ResourceVersion);
        ListCount++;
        _logger.LogDebug("{Informer}: listed {Count} objects at resource version {ResourceVersion}", _options.Name, list.Items.Count, list.ResourceVersion);
    }

    /// <summary>Runs one watch to its end; false when it ended at once without delivering anything.</summary>
    private async Task<bool> WatchAsync(CancellationToken cancellationToken)
    {
        var fromVersion = LastSyncResourceVersion ?? throw new InvalidOperationException("watch before list");
        var started = _options.TimeProvider.GetTimestamp();
        var received = 0;
        await foreach (var evt in _listWatcher.WatchAsync(fromVersion, cancellationToken).ConfigureAwait(false))
        {
            received++;
            switch (evt.Type)
            {
                case WatchEventType.Error when evt.ErrorCode == 410:
                    throw new ResourceExpiredException(LastSyncResourceVersion ?? fromVersion, evt.ErrorMessage ?? "410 Gone");
                case WatchEventType.Error:
                    throw new WatchFailedException(evt.ErrorCode, evt.ErrorMessage ?? string.Empty);
                case WatchEventType.Bookmark:
                    if (!string.IsNullOrEmpty(evt.ResourceVersion))
                    {
                        Volatile.Write(ref _lastResourceVersion, evt.ResourceVersion);
                    }

                    break;
                default:
                    var obj = evt.Object ?? throw new WatchFailedException(0, $"{evt.Type} event without an object");
                    _store.Apply(evt.Type, obj);
                    var version = _meta.GetResourceVersion(obj) ?? evt.ResourceVersion;
                    if (!string.IsNullOrEmpty(version))
                    {
                        Volatile.Write(ref _lastResourceVersion, version);
                    }

                    break;
            }
        }

        return received > 0 || _options.TimeProvider.GetElapsedTime(started) >= _options.MinWatchDuration;
    }
}
