namespace VmNet.Ipam;

/// <summary>Mutable per-NIC state inside a <see cref="SubnetIpam"/>; guarded by the subnet's lock.</summary>
internal sealed class NicRecord(string nicKey, string ownerKey, string pool, string podType)
{
    public string NicKey { get; } = nicKey;

    public string OwnerKey { get; } = ownerKey;

    public string Pool { get; set; } = pool;

    public string PodType { get; set; } = podType;

    public IpAddr? V4 { get; set; }

    public IpAddr? V6 { get; set; }

    public MacAddress? Mac { get; set; }

    public IpAddr? Get(IpFamily family) => family == IpFamily.V4 ? V4 : V6;

    public void Set(IpFamily family, IpAddr? address)
    {
        if (family == IpFamily.V4)
        {
            V4 = address;
        }
        else
        {
            V6 = address;
        }
    }

    public Allocation ToAllocation(string subnet) => new(subnet, NicKey, OwnerKey, V4, V6, Mac, Pool, PodType);
}
