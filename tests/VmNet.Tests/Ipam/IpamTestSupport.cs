using VmNet.Ipam;

namespace VmNet.Tests.Ipam;

internal static class IpamTestSupport
{
    public static SubnetIpam Subnet(string cidr, params string[] excludeIps) =>
        new(new SubnetSpec("s1", cidr) { ExcludeIps = excludeIps }, new MacGenerator(new Random(42)));

    public static AllocationRequest Nic(string name, string ns = "default") =>
        new(PortNames.PortName(name, ns, "ovn"), PortNames.OwnerKey(ns, name));

    public static string V4(this Allocation allocation) => allocation.V4?.ToString() ?? "-";

    public static string V6(this Allocation allocation) => allocation.V6?.ToString() ?? "-";

    public static IpAddr Ip(string text) => IpAddr.Parse(text, "test");
}
