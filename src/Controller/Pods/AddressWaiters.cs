using System.Collections.Concurrent;

namespace VmNet.Controller.Pods;

/// <summary>
/// Pods waiting for an address of a full subnet, woken when that subnet's usage changes (an address released,
/// see <see cref="Hosting.SubnetCatalog.NotifyUsageChanged"/>) instead of polling. A generation per subnet closes
/// the gap between a failed allocation and the registration: a release in between makes <see cref="TryWait"/>
/// refuse, and the pod retries at once.
/// </summary>
public sealed class AddressWaiters
{
    private readonly ConcurrentDictionary<string, Subnet> _subnets = new(StringComparer.Ordinal);

    /// <summary>Read before trying to allocate from <paramref name="subnet"/>; passed back to <see cref="TryWait"/>.</summary>
    public long Generation(string subnet) => Volatile.Read(ref For(subnet).Generation);

    /// <summary>Registers <paramref name="key"/> as waiting; false when the subnet changed since <paramref name="seenGeneration"/>.</summary>
    public bool TryWait(string subnet, string key, long seenGeneration)
    {
        var state = For(subnet);
        lock (state)
        {
            if (state.Generation != seenGeneration)
            {
                return false;
            }

            state.Keys.Add(key);
            return true;
        }
    }

    /// <summary>Bumps the subnet's generation and returns (and forgets) the keys waiting on it.</summary>
    public IReadOnlyList<string> Wake(string subnet)
    {
        var state = For(subnet);
        lock (state)
        {
            Interlocked.Increment(ref state.Generation);
            if (state.Keys.Count == 0)
            {
                return [];
            }

            var keys = state.Keys.ToArray();
            state.Keys.Clear();
            return keys;
        }
    }

    private Subnet For(string subnet) => _subnets.GetOrAdd(subnet, static _ => new Subnet());

    private sealed class Subnet
    {
        public long Generation;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }
}
