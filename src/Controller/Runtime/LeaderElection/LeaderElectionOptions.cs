using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VmNet.Controller.Runtime.LeaderElection;

/// <summary>Timings and callbacks of a <see cref="LeaderElector"/>; defaults are client-go's (15 s / 10 s / 2 s).</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>How long a lease holds after its last renewal before others may take it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a failed renewal before it gives up leading.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown, clear the holder so another candidate takes over at once instead of after the lease expires.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Runs when this candidate becomes leader; its token is cancelled when leadership ends.</summary>
    public Func<CancellationToken, Task>? OnStartedLeading { get; init; }

    /// <summary>Runs when leadership ends (lost, or released on shutdown).</summary>
    public Action? OnStoppedLeading { get; init; }

    /// <summary>Runs when the observed leader changes (including to this candidate).</summary>
    public Action<string>? OnNewLeader { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    internal void Validate()
    {
        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"LeaseDuration ({LeaseDuration}) must be greater than RenewDeadline ({RenewDeadline})", nameof(LeaseDuration));
        }

        if (RenewDeadline <= RetryPeriod * 1.2)
        {
            throw new ArgumentException($"RenewDeadline ({RenewDeadline}) must be greater than 1.2 x RetryPeriod ({RetryPeriod})", nameof(RenewDeadline));
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RetryPeriod ({RetryPeriod}) must be positive", nameof(RetryPeriod));
        }
    }
}
