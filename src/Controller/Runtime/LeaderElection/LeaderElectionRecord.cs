namespace VmNet.Controller.Runtime.LeaderElection;

/// <summary>What a lease says about its holder (the spec of a coordination.k8s.io/v1 Lease).</summary>
public sealed record LeaderElectionRecord(
    string HolderIdentity,
    int LeaseDurationSeconds,
    DateTimeOffset AcquireTime,
    DateTimeOffset RenewTime,
    int LeaseTransitions);

/// <summary>A lease as last read: the record plus the resource version to update it with.</summary>
public sealed record LeaseSnapshot(LeaderElectionRecord Record, string ResourceVersion);
