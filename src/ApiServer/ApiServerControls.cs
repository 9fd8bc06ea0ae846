using System.Collections.Concurrent;

namespace VmNet.ApiServer;

/// <summary>A request as the fault hooks and counters see it: Kubernetes verb and resource ("pods", "subnets.kubeovn.io", "pods/status").</summary>
public sealed record ApiRequestInfo(string Verb, string Resource, string? Namespace, string? Name);

/// <summary>
/// Test controls: fault injection and per-verb/resource request counters. Thread-safe.
/// </summary>
public sealed class ApiServerControls
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Lock _faultGate = new();
    private readonly List<Fault> _faults = [];
    private readonly List<Delay> _delays = [];

    private sealed class Delay(TimeSpan duration, int remaining, Func<ApiRequestInfo, bool> match)
    {
        public TimeSpan Duration { get; } = duration;

        public int Remaining { get; set; } = remaining;

        public Func<ApiRequestInfo, bool> Match { get; } = match;
    }

    private sealed class Fault(int statusCode, int remaining, int retryAfterSeconds, Func<ApiRequestInfo, bool> match)
    {
        public int StatusCode { get; } = statusCode;

        public int Remaining { get; set; } = remaining;

        public int RetryAfterSeconds { get; } = retryAfterSeconds;

        public Func<ApiRequestInfo, bool> Match { get; } = match;
    }

    /// <summary>The next <paramref name="count"/> matching requests fail with <paramref name="statusCode"/> (429 carries Retry-After).</summary>
    public void FailNextRequests(int count, int statusCode = 500, int retryAfterSeconds = 1, Func<ApiRequestInfo, bool>? match = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_faultGate)
        {
            _faults.Add(new Fault(statusCode, count, retryAfterSeconds, match ?? (_ => true)));
        }
    }

    /// <summary>The next <paramref name="count"/> matching requests get 429 TooManyRequests with Retry-After.</summary>
    public void ThrottleNextRequests(int count, int retryAfterSeconds = 1, Func<ApiRequestInfo, bool>? match = null) =>
        FailNextRequests(count, 429, retryAfterSeconds, match);

    /// <summary>The next <paramref name="count"/> matching requests are held for <paramref name="delay"/> before being served.</summary>
    public void DelayNextRequests(int count, TimeSpan delay, Func<ApiRequestInfo, bool>? match = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_faultGate)
        {
            _delays.Add(new Delay(delay, count, match ?? (_ => true)));
        }
    }

    /// <summary>Removes pending faults and delays.</summary>
    public void ClearFaults()
    {
        lock (_faultGate)
        {
            _faults.Clear();
            _delays.Clear();
        }
    }

    internal TimeSpan TakeDelay(ApiRequestInfo request)
    {
        lock (_faultGate)
        {
            var delay = _delays.FirstOrDefault(d => d.Match(request));
            if (delay is null)
            {
                return TimeSpan.Zero;
            }

            if (--delay.Remaining == 0)
            {
                _delays.Remove(delay);
            }

            return delay.Duration;
        }
    }

    /// <summary>How many requests with this verb ("list", "watch", "create", ...) hit this resource.</summary>
    public int RequestCount(string verb, string resource) => _counts.GetValueOrDefault(verb + " " + resource);

    /// <summary>All counters keyed "verb resource".</summary>
    public IReadOnlyDictionary<string, int> RequestCounts => new Dictionary<string, int>(_counts, StringComparer.Ordinal);

    public int TotalRequests => _counts.Values.Sum();

    public void ResetCounters() => _counts.Clear();

    internal void Count(ApiRequestInfo request) => _counts.AddOrUpdate(request.Verb + " " + request.Resource, 1, (_, n) => n + 1);

    internal KubeApiException? TakeFault(ApiRequestInfo request)
    {
        lock (_faultGate)
        {
            var fault = _faults.FirstOrDefault(f => f.Match(request));
            if (fault is null)
            {
                return null;
            }

            if (--fault.Remaining == 0)
            {
                _faults.Remove(fault);
            }

            return fault.StatusCode switch
            {
                429 => KubeApiException.TooManyRequests(fault.RetryAfterSeconds),
                500 => KubeApiException.Internal("injected fault"),
                _ => new KubeApiException(fault.StatusCode, "InternalError", $"injected fault (status {fault.StatusCode})") { RetryAfterSeconds = fault.RetryAfterSeconds },
            };
        }
    }
}
