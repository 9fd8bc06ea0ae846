using VmNet.Controller.Runtime.LeaderElection;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>Acquire/renew decisions on a manual clock, without a server.</summary>
public class LeaderElectorUnitTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly InMemoryLeaseLock.Store _store = new();

    [Fact]
    public async Task ExpiryIsJudgedByLocalObservationNotTheHoldersTimestamps()
    {
        // The holder's clock is far behind ours: its renewTime looks ancient, yet the lease is live.
        var skewed = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _store.Current = new LeaseSnapshot(new LeaderElectionRecord("other", 15, skewed, skewed, 3), "1");
        _store.Version = 1;
        var b = Elector("b");
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(14));
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("b", _store.Current!.Record.HolderIdentity);
        Assert.Equal(4, _store.Current.Record.LeaseTransitions);
    }

    [Fact]
    public async Task ARenewalByTheHolderRestartsTheExpiryClockOfOthers()
    {
        var a = Elector("a");
        var b = Elector("b");
        Assert.True(await a.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            Assert.True(await a.TryAcquireOrRenewAsync(CancellationToken.None));
            Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        }

        var record = _store.Current!.Record;
        Assert.Equal("a", record.HolderIdentity);
        Assert.Equal(0, record.LeaseTransitions);
        Assert.True(record.RenewTime > record.AcquireTime);
    }

    [Fact]
    public async Task OfTwoCandidatesRacingForAFreeLeaseTheSlowerGetsAConflict()
    {
        var now = _clock.GetUtcNow();
        _store.Current = new LeaseSnapshot(new LeaderElectionRecord(string.Empty, 1, now, now, 2), "1");
        _store.Version = 1;
        var lockA = new InMemoryLeaseLock(_store, "a");
        var a = new LeaderElector(lockA, Options());
        var b = Elector("b");

        // a has read the free lease; before it writes, b takes it.
        lockA.BeforeUpdate = async () => Assert.True(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.False(await a.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal(1, _store.Conflicts);
        Assert.Equal("b", _store.Current!.Record.HolderIdentity);
        Assert.Equal(3, _store.Current.Record.LeaseTransitions);
        Assert.False(a.IsLeader);

        // Its next attempt sees the new holder and backs off without writing.
        Assert.False(await a.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("b", a.ObservedLeader);
        Assert.Equal(1, _store.Conflicts);
    }

    [Fact]
    public void InconsistentTimingsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new LeaderElector(new InMemoryLeaseLock(_store, "a"), new LeaderElectionOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(10),
            RenewDeadline = TimeSpan.FromSeconds(10),
        }));
        Assert.Throws<ArgumentException>(() => new LeaderElector(new InMemoryLeaseLock(_store, "a"), new LeaderElectionOptions
        {
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromSeconds(2),
        }));
    }

    private LeaderElector Elector(string identity) => new(new InMemoryLeaseLock(_store, identity), Options());

    private LeaderElectionOptions Options() => new() { TimeProvider = _clock };
}
