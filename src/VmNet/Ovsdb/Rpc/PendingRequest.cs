using System.Text.Json;

namespace VmNet.Ovsdb.Rpc;

/// <summary>A request waiting for its reply; the result is parsed on the read loop while the JSON is alive.</summary>
internal abstract class PendingRequest
{
    protected PendingRequest(string method, bool outcomeMatters)
    {
        Method = method;
        OutcomeMatters = outcomeMatters;
    }

    public string Method { get; }

    /// <summary>True for requests that change state (transact): losing the reply makes the outcome unknown.</summary>
    public bool OutcomeMatters { get; }

    public abstract void Complete(JsonElement result);

    public abstract void Fail(Exception error);

    public abstract void Cancel(CancellationToken token);
}

internal sealed class PendingRequest<T> : PendingRequest
{
    private readonly Func<JsonElement, T> _parse;
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingRequest(string method, bool outcomeMatters, Func<JsonElement, T> parse)
        : base(method, outcomeMatters) => _parse = parse;

    public Task<T> Task => _completion.Task;

    public override void Complete(JsonElement result)
    {
        try
        {
            _completion.TrySetResult(_parse(result));
        }
        catch (Exception ex)
        {
            _completion.TrySetException(ex);
        }
    }

    public override void Fail(Exception error) => _completion.TrySetException(error);

    public override void Cancel(CancellationToken token) => _completion.TrySetCanceled(token);
}
