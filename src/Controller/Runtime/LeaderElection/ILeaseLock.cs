namespace VmNet.Controller.Runtime.LeaderElection;

/// <summary>Reads and writes the lease leader election competes for (client-go's resourcelock.Interface).</summary>
public interface ILeaseLock
{
    /// <summary>Identity of this candidate, written as holderIdentity.</summary>
    string Identity { get; }

    /// <summary>"namespace/name" of the lease, for logs.</summary>
    string Description { get; }

    /// <summary>The lease, or null when it does not exist.</summary>
    Task<LeaseSnapshot?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the lease; false when someone else created it first.</summary>
    Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken);

    /// <summary>Writes the lease if it is still at <paramref name="resourceVersion"/>; false when someone else wrote it meanwhile (409).</summary>
    Task<bool> UpdateAsync(LeaderElectionRecord record, string resourceVersion, CancellationToken cancellationToken);
}
