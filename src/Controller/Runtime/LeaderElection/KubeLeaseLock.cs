using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Runtime.LeaderElection;

/// <summary>A coordination.k8s.io/v1 Lease as the lock; updates carry resourceVersion, so a stale write gets 409.</summary>
public sealed class KubeLeaseLock : ILeaseLock
{
    private readonly IKubeClient _client;
    private readonly string _namespace;
    private readonly string _name;

    public KubeLeaseLock(IKubeClient client, string namespaceName, string name, string identity)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        _namespace = namespaceName;
        _name = name;
        Identity = identity;
    }

    public string Identity { get; }

    public string Description => $"{_namespace}/{_name}";

    public async Task<LeaseSnapshot?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _client.GetAsync<V1Lease>(_namespace, _name, cancellationToken).ConfigureAwait(false);
            var spec = lease.Spec ?? new V1LeaseSpec();
            var record = new LeaderElectionRecord(
                spec.HolderIdentity ?? string.Empty,
                spec.LeaseDurationSeconds ?? 0,
                spec.AcquireTime ?? DateTimeOffset.MinValue,
                spec.RenewTime ?? DateTimeOffset.MinValue,
                spec.LeaseTransitions ?? 0);
            return new LeaseSnapshot(record, lease.Metadata?.ResourceVersion ?? throw new KubeProtocolException($"lease {Description} has no resourceVersion"));
        }
        catch (KubeNotFoundException)
        {
            return null;
        }
    }

    public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _client.CreateAsync(ToLease(record, null), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubeConflictException)
        {
            return false;
        }
    }

    public async Task<bool> UpdateAsync(LeaderElectionRecord record, string resourceVersion, CancellationToken cancellationToken)
    {
        try
        {
            await _client.ReplaceAsync(ToLease(record, resourceVersion), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubeConflictException)
        {
            return false;
        }
    }

    private V1Lease ToLease(LeaderElectionRecord record, string? resourceVersion) => new()
    {
        ApiVersion = KubeResources.Leases.ApiVersion,
        Kind = KubeResources.Leases.Kind,
        Metadata = new V1ObjectMeta { Name = _name, Namespace = _namespace, ResourceVersion = resourceVersion },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = record.HolderIdentity.Length == 0 ? null : record.HolderIdentity,
            LeaseDurationSeconds = record.LeaseDurationSeconds,
            AcquireTime = record.AcquireTime,
            RenewTime = record.RenewTime,
            LeaseTransitions = record.LeaseTransitions,
        },
    };
}
