namespace VmNet.Ipam;

/// <summary>
/// Random MACs as Kube-OVN makes them: locally administered and unicast (first octet <c>|0x02 &amp;0xfe</c>).
/// The random source is injectable so tests are deterministic; it is shared by all subnets of a
/// registry, hence the lock (System.Random is not thread-safe).
/// </summary>
public sealed class MacGenerator(Random? random = null)
{
    private const int MaxAttempts = 1_000;
    private readonly Random _random = random ?? Random.Shared;
    private readonly Lock _lock = new();

    /// <summary>A MAC for which <paramref name="isTaken"/> is false.</summary>
    public MacAddress Generate(Func<MacAddress, bool> isTaken, string subnet)
    {
        ArgumentNullException.ThrowIfNull(isTaken);
        Span<byte> bytes = stackalloc byte[6];
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            lock (_lock)
            {
                _random.NextBytes(bytes);
            }

            bytes[0] = (byte)((bytes[0] | 0x02) & 0xfe);
            ulong value = 0;
            foreach (var b in bytes)
            {
                value = (value << 8) | b;
            }

            var mac = new MacAddress(value);
            if (!isTaken(mac))
            {
                return mac;
            }
        }

        throw new NoAvailableAddressException("subnet", subnet, $"has no free MAC address after {MaxAttempts} random attempts");
    }
}
