namespace VmNet.Ipam;

/// <summary>Address family of an address, CIDR or range.</summary>
public enum IpFamily
{
    V4 = 4,
    V6 = 6,
}

public static class IpFamilyExtensions
{
    public static int Bits(this IpFamily family) => family == IpFamily.V4 ? 32 : 128;

    /// <summary>The largest value an address of this family can hold (all ones).</summary>
    public static UInt128 MaxValue(this IpFamily family) => family == IpFamily.V4 ? uint.MaxValue : UInt128.MaxValue;

    /// <summary>Kube-OVN's spelling in messages and the ip_family annotation.</summary>
    public static string Name(this IpFamily family) => family == IpFamily.V4 ? "IPv4" : "IPv6";
}
