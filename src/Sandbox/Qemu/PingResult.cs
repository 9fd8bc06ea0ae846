namespace VmNet.Sandbox.Qemu;

/// <summary>Replies (ping -D stamps, duplicates excluded) and totals of one ping run.</summary>
public sealed record PingResult(IReadOnlyList<DateTimeOffset> Replies, int Transmitted, int Received)
{
    public int Lost => Transmitted - Received;

    /// <summary>Largest interval between consecutive replies (the outage as this pinger saw it).</summary>
    public TimeSpan MaxGap =>
        Replies.Count < 2 ? TimeSpan.Zero : Replies.Zip(Replies.Skip(1), (a, b) => b - a).Max();

    /// <summary>First reply at or after <paramref name="time"/>, if any.</summary>
    public DateTimeOffset? FirstReplyAfter(DateTimeOffset time) =>
        Replies.Where(r => r >= time).Select(r => (DateTimeOffset?)r).FirstOrDefault();
}
