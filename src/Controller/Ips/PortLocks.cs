namespace VmNet.Controller.Ips;

/// <summary>
/// Serialises work on one port name (= IP CR name = IPAM NIC key) across the pod, VM and IP reconcilers, so a
/// release (LSP delete, finalizer removal, IPAM release) never interleaves with an allocation of the same NIC.
/// Striped: a fixed set of semaphores, a port maps to one by hash.
/// </summary>
public sealed class PortLocks
{
    private readonly SemaphoreSlim[] _stripes;

    public PortLocks(int stripes = 1024)
    {
        _stripes = new SemaphoreSlim[stripes];
        for (var i = 0; i < stripes; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    public async Task<IDisposable> AcquireAsync(string portName, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(portName) % (uint)_stripes.Length)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(stripe);
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IDisposable
    {
        private SemaphoreSlim? _stripe = stripe;

        public void Dispose() => Interlocked.Exchange(ref _stripe, null)?.Release();
    }
}
