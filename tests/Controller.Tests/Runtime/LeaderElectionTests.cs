using System.Diagnostics;
using VmNet.Controller.Runtime.LeaderElection;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>Lease-based leader election between candidates against the in-process API server.</summary>
public sealed class LeaderElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private readonly string _leaseName = "vmnet-test-" + Guid.NewGuid().ToString("N")[..8];
    private ApiServerHarness _api = null!;

    public async Task InitializeAsync() => _api = await ApiServerHarness.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task OfTwoCandidatesExactlyOneLeadsAndTheOtherSeesIt()
    {
        await using var a = Candidate("a");
        await using var b = Candidate("b");
        var leader = await Task.WhenAny(a.Leading.Task, b.Leading.Task).WaitAsync(TimeSpan.FromSeconds(20));
        var (winner, loser) = leader == a.Leading.Task ? (a, b) : (b, a);

        // Well past a lease duration, the other still has not taken over a healthy leader.
        await Task.Delay(LeaseDuration + TimeSpan.FromSeconds(1));
        Assert.False(loser.Leading.Task.IsCompleted);
        Assert.True(winner.Elector.IsLeader);
        Assert.Equal(winner.Identity, loser.Elector.ObservedLeader);
        Assert.Contains(winner.Identity, loser.NewLeaders);
        var lease = await _api.Client.GetAsync<V1Lease>("kube-system", _leaseName);
        Assert.Equal(winner.Identity, lease.Spec!.HolderIdentity);
        Assert.Equal(0, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task GracefulShutdownReleasesTheLeaseForAnImmediateTakeOver()
    {
        await using var a = Candidate("a");
        await a.Leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using var b = Candidate("b");
        await WaitForAsync(() => b.Elector.ObservedLeader == a.Identity);

        var clock = Stopwatch.StartNew();
        await a.StopAsync();
        Assert.True(a.Stopped.Task.IsCompleted);
        await b.Leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < LeaseDuration, $"take-over after release took {clock.Elapsed}, not less than the lease duration");
        var lease = await _api.Client.GetAsync<V1Lease>("kube-system", _leaseName);
        Assert.Equal(b.Identity, lease.Spec!.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task WhenTheLeaderDiesTheOtherTakesOverAfterTheLeaseExpires()
    {
        await using var a = Candidate("a", releaseOnCancel: false);
        await a.Leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using var b = Candidate("b");
        await WaitForAsync(() => b.Elector.ObservedLeader == a.Identity);

        var clock = Stopwatch.StartNew();
        await a.StopAsync();
        await b.Leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.InRange(clock.Elapsed, LeaseDuration - TimeSpan.FromSeconds(1), LeaseDuration + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task AConflictOnRenewIsRetriedAndLeadershipKept()
    {
        await using var a = Candidate("a");
        await a.Leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var updatesBefore = LeaseUpdates();
        _api.Server.Controls.FailNextRequests(2, 409, match: r => r.Verb == "update" && r.Resource.StartsWith("leases", StringComparison.Ordinal));
        await WaitForAsync(() => LeaseUpdates() >= updatesBefore + 4);
        Assert.False(a.Stopped.Task.IsCompleted);
        Assert.True(a.Elector.IsLeader);
    }

    [Fact]
    public async Task RenewalsFailingPastTheDeadlineEndLeadership()
    {
        await using var a = Candidate("a");
        await a.Leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        _api.Server.Controls.FailNextRequests(1_000_000, 409, match: r => r.Verb == "update" && r.Resource.StartsWith("leases", StringComparison.Ordinal));
        await a.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(a.WorkCancelled);
        Assert.False(a.Elector.IsLeader);
        await a.Run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private int LeaseUpdates() => _api.Server.Controls.RequestCounts.Where(kv => kv.Key.StartsWith("update leases", StringComparison.Ordinal)).Sum(kv => kv.Value);

    private TestCandidate Candidate(string name, bool releaseOnCancel = true) => new(_api.Client, _leaseName, $"{name}-{Guid.NewGuid():N}", releaseOnCancel);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    private sealed class TestCandidate : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly List<string> _newLeaders = [];
        private volatile bool _workCancelled;

        public TestCandidate(IKubeClient client, string leaseName, string identity, bool releaseOnCancel)
        {
            Identity = identity;
            Elector = new LeaderElector(new KubeLeaseLock(client, "kube-system", leaseName, identity), new LeaderElectionOptions
            {
                LeaseDuration = LeaseDuration,
                RenewDeadline = TimeSpan.FromSeconds(2),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
                ReleaseOnCancel = releaseOnCancel,
                OnStartedLeading = async token =>
                {
                    Leading.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, token);
                    }
                    catch (OperationCanceledException)
                    {
                        _workCancelled = true;
                    }
                },
                OnStoppedLeading = () => Stopped.TrySetResult(),
                OnNewLeader = leader =>
                {
                    lock (_newLeaders)
                    {
                        _newLeaders.Add(leader);
                    }
                },
            });
            Run = Task.Run(() => Elector.RunAsync(_cts.Token));
        }

        public string Identity { get; }

        public LeaderElector Elector { get; }

        public Task Run { get; }

        public TaskCompletionSource Leading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool WorkCancelled => _workCancelled;

        public IReadOnlyList<string> NewLeaders
        {
            get
            {
                lock (_newLeaders)
                {
                    return [.. _newLeaders];
                }
            }
        }

        public async Task StopAsync()
        {
            await _cts.CancelAsync();
            await Run.WaitAsync(TimeSpan.FromSeconds(20));
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _cts.Dispose();
        }
    }
}
