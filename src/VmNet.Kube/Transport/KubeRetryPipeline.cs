using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace VmNet.Kube.Transport;

/// <summary>Polly retry pipelines (exponential backoff with jitter, Retry-After honoured), one per <see cref="RequestSafety"/>.</summary>
internal static class KubeRetryPipeline
{
    public static ResiliencePipeline<HttpResponseMessage> Create(RequestSafety safety, KubeClientOptions options, ILogger logger)
    {
        if (options.MaxRetryAttempts <= 0)
        {
            return ResiliencePipeline<HttpResponseMessage>.Empty;
        }

        var retry = new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = options.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.RetryMaxDelay,
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, safety)),
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryAfter)),
            OnRetry = args =>
            {
                var cause = args.Outcome.Exception?.Message ?? $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                logger.LogWarning("Kubernetes API request failed ({Cause}); retry {Attempt} in {Delay} ms", cause, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
        };
        return new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(retry).Build();
    }

    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, RequestSafety safety)
    {
        if (outcome.Exception is KubeConnectionException connection)
        {
            return !connection.RequestSent || safety == RequestSafety.Idempotent;
        }

        if (outcome.Result is not { } response)
        {
            return false;
        }

        var code = (int)response.StatusCode;
        if (code == 429)
        {
            return true;
        }

        if (code is >= 500 and <= 599 && code != (int)HttpStatusCode.NotImplemented && code != (int)HttpStatusCode.HttpVersionNotSupported)
        {
            return safety == RequestSafety.Idempotent || response.Headers.RetryAfter is not null;
        }

        return false;
    }

    /// <summary>The Retry-After delay (seconds or HTTP date), capped; null lets the backoff decide.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        var delay = header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is null)
        {
            return null;
        }

        return delay.Value < TimeSpan.Zero ? TimeSpan.Zero : delay.Value > cap ? cap : delay.Value;
    }
}
