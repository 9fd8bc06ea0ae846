namespace VmNet.Kube;

/// <summary>Retry and timeout settings of <see cref="KubeClient"/>.</summary>
public sealed record KubeClientOptions
{
    /// <summary>Retries after the first attempt (0 disables retrying).</summary>
    public int MaxRetryAttempts { get; init; } = 5;

    /// <summary>First backoff delay; doubles per attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of one backoff delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound of a delay asked for by a Retry-After header.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time limit of one attempt (for a watch: until the response headers arrive; the stream is bounded by timeoutSeconds).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit for establishing a TCP+TLS connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string UserAgent { get; init; } = "vmnet/1.0";
}
