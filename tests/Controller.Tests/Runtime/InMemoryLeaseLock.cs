using VmNet.Controller.Runtime.LeaderElection;

namespace VmNet.Controller.Tests.Runtime;

/// <summary>A lease held in memory with resourceVersion checks; several candidates share one <see cref="Store"/>.</summary>
public sealed class InMemoryLeaseLock(InMemoryLeaseLock.Store store, string identity) : ILeaseLock
{
    public string Identity { get; } = identity;

    public string Description => "memory/lease";

    /// <summary>Runs between this candidate's read and its write, to let a rival write first.</summary>
    public Func<Task>? BeforeUpdate { get; set; }

    public Task<LeaseSnapshot?> GetAsync(CancellationToken cancellationToken)
    {
        lock (store)
        {
            return Task.FromResult(store.Current);
        }
    }

    public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken)
    {
        lock (store)
        {
            if (store.Current is not null)
            {
                return Task.FromResult(false);
            }

            store.Current = new LeaseSnapshot(record, (++store.Version).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Task.FromResult(true);
        }
    }

    public async Task<bool> UpdateAsync(LeaderElectionRecord record, string resourceVersion, CancellationToken cancellationToken)
    {
        if (BeforeUpdate is { } hook)
        {
            BeforeUpdate = null;
            await hook();
        }

        lock (store)
        {
            if (store.Current?.ResourceVersion != resourceVersion)
            {
                store.Conflicts++;
                return false;
            }

            store.Current = new LeaseSnapshot(record, (++store.Version).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
    }

    public sealed class Store
    {
        public LeaseSnapshot? Current { get; set; }

        public long Version { get; set; }

        public int Conflicts { get; set; }
    }
}
