using System.Security.Cryptography;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>
/// Interface and namespace names unique per call: "vt" + 5 hex digits + a short suffix, within IFNAMSIZ-1,
/// so parallel test runs and leftovers from killed runs never collide.
/// </summary>
internal static class TestNames
{
    public static string NewPrefix() => "vt" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))[..5];
}
