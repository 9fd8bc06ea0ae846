using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;

namespace VmNet.Controller.Runtime.Events;

/// <summary>
/// Writes Events in the background (client-go's EventBroadcaster + recorder). <see cref="Record"/> only
/// correlates and enqueues: repeats become a patch of count and lastTimestamp on the existing Event, floods are
/// cut by a per-object token bucket, and when the queue is full the event is dropped rather than making a
/// reconciler wait on the API server.
/// </summary>
public sealed class EventRecorder : IEventRecorder, IAsyncDisposable
{
    private readonly IKubeClient _client;
    private readonly EventRecorderOptions _options;
    private readonly EventCorrelator _correlator;
    private readonly Channel<PendingEvent> _queue;
    private readonly Task _writer;
    private long _dropped;
    private long _written;
    private long _pending;

    public EventRecorder(IKubeClient client, EventRecorderOptions options)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _correlator = new EventCorrelator(options);
        _queue = Channel.CreateBounded<PendingEvent>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Events dropped by the rate limit or a full queue.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Creates and patches sent successfully.</summary>
    public long Written => Interlocked.Read(ref _written);

    public void Record(V1ObjectReference involved, EventType type, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(involved);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var decision = _correlator.Correlate(involved, type, reason, message ?? string.Empty);
        if (decision.Action == CorrelationAction.Drop)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(new PendingEvent(decision, involved, type, reason, message ?? string.Empty)))
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Waits until every event queued so far has been written (or has failed).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting events and writes what is queued (bounded by the API client's own timeouts).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(pending).ConfigureAwait(false);
                Interlocked.Increment(ref _written);
            }
#pragma warning disable CA1031 // Events are best-effort; a failure must not stop later events.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _options.Logger.LogWarning(ex, "could not write event {Reason} for {Kind} {Name}", pending.Reason, pending.Involved.Kind, pending.Involved.Name);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private async Task WriteAsync(PendingEvent pending)
    {
        var decision = pending.Decision;
        var ns = EventNamespace(pending.Involved);
        if (decision.Action == CorrelationAction.Patch)
        {
            try
            {
                var patch = new JsonObject
                {
                    ["count"] = decision.Count,
                    ["lastTimestamp"] = JsonSerializer.SerializeToNode(decision.LastTimestamp, KubeJson.Options),
                };
                await _client.PatchAsync<CoreV1Event>(ns, decision.EventName, KubePatch.Merge(patch)).ConfigureAwait(false);
                return;
            }
            catch (KubeNotFoundException)
            {
                // The Event expired on the server (or its create was dropped): create it again with the full count.
            }
        }

        try
        {
            await _client.CreateAsync(ToEvent(pending, ns)).ConfigureAwait(false);
        }
        catch (KubeConflictException ex) when (ex.AlreadyExists)
        {
            _options.Logger.LogDebug("event {Name} already exists", decision.EventName);
        }
    }

    private CoreV1Event ToEvent(PendingEvent pending, string ns) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta { Name = pending.Decision.EventName, Namespace = ns },
        InvolvedObject = pending.Involved,
        Reason = pending.Reason,
        Message = pending.Message,
        Type = pending.Type.ToString(),
        Count = pending.Decision.Count,
        FirstTimestamp = pending.Decision.FirstTimestamp,
        LastTimestamp = pending.Decision.LastTimestamp,
        Source = new V1EventSource { Component = _options.Component, Host = _options.Host },
        ReportingComponent = _options.Component,
        ReportingInstance = _options.Host,
    };

    /// <summary>Events live in their object's namespace; those about cluster-scoped objects go to "default".</summary>
    private static string EventNamespace(V1ObjectReference involved) =>
        string.IsNullOrEmpty(involved.Namespace) ? "default" : involved.Namespace;

    private sealed record PendingEvent(CorrelationResult Decision, V1ObjectReference Involved, EventType Type, string Reason, string Message);
}
