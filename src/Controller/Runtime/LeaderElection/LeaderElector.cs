using Microsoft.Extensions.Logging;

namespace VmNet.Controller.Runtime.LeaderElection;

/// <summary>
/// Lease-based leader election with client-go's semantics. A candidate takes the lease when it is free or
/// expired, judged by when this process last saw it change (its own clock, never the holder's timestamps,
/// so clock skew between nodes does not matter). Writes carry resourceVersion: of two candidates racing,
/// the loser gets 409 and simply tries again later. The leader renews every retry period and stops leading
/// if it cannot renew within the renew deadline; on shutdown it releases the lease for a fast hand-over.
/// </summary>
public sealed class LeaderElector
{
    private readonly ILeaseLock _lock;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private LeaseSnapshot? _observed;
    private long _observedAt;
    private string? _reportedLeader;

    public LeaderElector(ILeaseLock leaseLock, LeaderElectionOptions options)
    {
        _lock = leaseLock ?? throw new ArgumentNullException(nameof(leaseLock));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _time = options.TimeProvider;
        _logger = options.Logger;
    }

    public string Identity => _lock.Identity;

    /// <summary>True while this candidate holds the lease (as of its last successful write).</summary>
    public bool IsLeader => Volatile.Read(ref _observed)?.Record.HolderIdentity == _lock.Identity;

    /// <summary>The holder this candidate last observed.</summary>
    public string? ObservedLeader => Volatile.Read(ref _observed)?.Record.HolderIdentity;

    /// <summary>
    /// Campaigns until leading, leads until leadership is lost or <paramref name="cancellationToken"/> fires,
    /// then returns (like client-go, it does not campaign again: a process that lost leadership restarts).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = _options.OnStartedLeading is { } started
            ? Task.Run(() => started(leading.Token), CancellationToken.None)
            : Task.CompletedTask;
        try
        {
            await RenewLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await leading.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
#pragma warning disable CA1031 // The leader's work failing must still end leadership cleanly.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogError(ex, "leader work of {Identity} failed", Identity);
            }

            // Only once our work has stopped may another candidate start: release after, never before.
            if (cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }

            _options.OnStoppedLeading?.Invoke();
        }
    }

    /// <summary>One acquire-or-renew attempt; true when this candidate holds the lease afterwards.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var current = await _lock.GetAsync(cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            var fresh = new LeaderElectionRecord(Identity, LeaseSeconds, now, now, 0);
            if (!await _lock.CreateAsync(fresh, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            // The resource version is unknown until the next read; the next renew reads first anyway.
            Observe(new LeaseSnapshot(fresh, string.Empty));
            return true;
        }

        if (_observed is null || _observed.Record != current.Record)
        {
            Observe(current);
        }

        var record = current.Record;
        var heldByOther = record.HolderIdentity.Length > 0 && record.HolderIdentity != Identity;
        var expired = _time.GetElapsedTime(_observedAt) > TimeSpan.FromSeconds(Math.Max(record.LeaseDurationSeconds, 1));
        if (heldByOther && !expired)
        {
            return false;
        }

        var next = record.HolderIdentity == Identity
            ? record with { RenewTime = now, LeaseDurationSeconds = LeaseSeconds }
            : new LeaderElectionRecord(Identity, LeaseSeconds, now, now, record.LeaseTransitions + 1);
        if (!await _lock.UpdateAsync(next, current.ResourceVersion, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogDebug("{Identity}: lease {Lease} changed under us (409); will retry", Identity, _lock.Description);
            return false;
        }

        Observe(new LeaseSnapshot(next, current.ResourceVersion));
        return true;
    }

    private int LeaseSeconds => (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds);

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("{Identity}: attempting to acquire lease {Lease}", Identity, _lock.Description);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await AttemptAsync(cancellationToken).ConfigureAwait(false))
            {
                _logger.LogInformation("{Identity}: acquired lease {Lease}", Identity, _lock.Description);
                return true;
            }

            if (!await DelayAsync(Jittered(_options.RetryPeriod), cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        return false;
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        while (await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false))
        {
            var deadline = _time.GetTimestamp();
            var renewed = false;
            while (!cancellationToken.IsCancellationRequested && _time.GetElapsedTime(deadline) < _options.RenewDeadline)
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(_options.RenewDeadline - _time.GetElapsedTime(deadline));
                if (await AttemptAsync(attempt.Token).ConfigureAwait(false))
                {
                    renewed = true;
                    break;
                }

                if (!await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (!renewed)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning("{Identity}: failed to renew lease {Lease} within {Deadline}; stopping leading", Identity, _lock.Description, _options.RenewDeadline);
                    Volatile.Write(ref _observed, null);
                }

                return;
            }
        }
    }

    private async Task<bool> AttemptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
#pragma warning disable CA1031 // An unreachable server is one failed attempt; the deadlines decide what it means.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogWarning(ex, "{Identity}: error reading or writing lease {Lease}", Identity, _lock.Description);
            return false;
        }
    }

    /// <summary>Clears the holder (and shortens the lease to 1 s) so the next candidate need not wait out the lease.</summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var current = await _lock.GetAsync(timeout.Token).ConfigureAwait(false);
            if (current is null || current.Record.HolderIdentity != Identity)
            {
                return;
            }

            var now = _time.GetUtcNow();
            var released = new LeaderElectionRecord(string.Empty, 1, now, now, current.Record.LeaseTransitions);
            if (await _lock.UpdateAsync(released, current.ResourceVersion, timeout.Token).ConfigureAwait(false))
            {
                Volatile.Write(ref _observed, null);
                _logger.LogInformation("{Identity}: released lease {Lease}", Identity, _lock.Description);
            }
        }
#pragma warning disable CA1031 // Releasing is a courtesy: if it fails the lease simply expires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogWarning(ex, "{Identity}: could not release lease {Lease}; it will expire", Identity, _lock.Description);
        }
    }

    private void Observe(LeaseSnapshot snapshot)
    {
        Volatile.Write(ref _observed, snapshot);
        _observedAt = _time.GetTimestamp();
        var holder = snapshot.Record.HolderIdentity;
        if (holder.Length > 0 && holder != _reportedLeader)
        {
            _reportedLeader = holder;
            _logger.LogInformation("{Identity}: new leader {Leader}", Identity, holder);
            _options.OnNewLeader?.Invoke(holder);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Jittered(TimeSpan period) => period * (1 + (0.2 * Random.Shared.NextDouble()));
}
