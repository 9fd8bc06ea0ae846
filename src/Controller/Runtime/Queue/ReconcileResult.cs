namespace VmNet.Controller.Runtime.Queue;

/// <summary>What a reconcile asks of the queue for its key.</summary>
public enum ReconcileOutcome
{
    /// <summary>Done: the key's backoff is reset.</summary>
    Success,

    /// <summary>Try again with the key's rate-limited backoff (a transient failure).</summary>
    Requeue,

    /// <summary>Done for now but look again after a fixed delay; the backoff is reset.</summary>
    RequeueAfter,
}

/// <summary>The answer of one reconcile call.</summary>
public readonly record struct ReconcileResult(ReconcileOutcome Outcome, TimeSpan Delay)
{
    public static ReconcileResult Success { get; } = new(ReconcileOutcome.Success, TimeSpan.Zero);

    public static ReconcileResult Requeue { get; } = new(ReconcileOutcome.Requeue, TimeSpan.Zero);

    public static ReconcileResult RequeueAfter(TimeSpan delay) =>
        delay < TimeSpan.Zero
            ? throw new ArgumentOutOfRangeException(nameof(delay), delay, "requeue delay must not be negative")
            : new(ReconcileOutcome.RequeueAfter, delay);
}
