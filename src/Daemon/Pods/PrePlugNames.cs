using System.Security.Cryptography;
using System.Text;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Names of a pre-plugged veth. The container ID is not known before the ADD, so they come from the logical
/// port (iface-id): <c>vp&lt;hash10&gt;_h</c> (host end, also the OVS port) and <c>vp&lt;hash10&gt;_p</c> (the pod
/// end while it waits in the node's namespace). 14 characters, within IFNAMSIZ.
/// </summary>
public static class PrePlugNames
{
    private const string Prefix = "vp";

    public static string HostSide(string ifaceId) => Prefix + Hash(ifaceId) + "_h";

    public static string Holding(string ifaceId) => Prefix + Hash(ifaceId) + "_p";

    /// <summary>The waiting pod end that belongs to host end <paramref name="hostName"/>.</summary>
    public static string HoldingOf(string hostName) => hostName[..^2] + "_p";

    /// <summary>True for names this scheme makes (host or holding end), so a sweep after a crash finds strays.</summary>
    public static bool IsPrePlugName(string linkName) =>
        linkName.Length == 14 && linkName.StartsWith(Prefix, StringComparison.Ordinal)
            && (linkName.EndsWith("_h", StringComparison.Ordinal) || linkName.EndsWith("_p", StringComparison.Ordinal))
            && linkName.AsSpan(2, 10).ContainsAnyExcept("0123456789abcdef") is false;

    private static string Hash(string ifaceId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ifaceId)))[..10];
}
