namespace VmNet.Ipam;

/// <summary>The addresses and MAC a NIC holds in a subnet.</summary>
public sealed record Allocation(
    string Subnet, string NicKey, string OwnerKey, IpAddr? V4, IpAddr? V6, MacAddress? Mac, string Pool, string PodType)
{
    /// <summary>The <c>ip_address</c> annotation value: <c>v4</c>, <c>v6</c> or <c>v4,v6</c> (no mask).</summary>
    public string IpAddressAnnotation => string.Join(',', Addresses.Select(a => a.ToString()));

    public IEnumerable<IpAddr> Addresses
    {
        get
        {
            if (V4 is { } v4)
            {
                yield return v4;
            }

            if (V6 is { } v6)
            {
                yield return v6;
            }
        }
    }
}
