using System.Security.Cryptography;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// A short random id per rig run. Netns, veth names and temp directories are global on the machine,
/// so every name a rig creates carries it; "vn" + 5 hex keeps interface names within 15 characters.
/// </summary>
public sealed record RigRunId(string Value)
{
    public const string Prefix = "vn";

    public static RigRunId New() => new(Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))[..5]);

    /// <summary>Temp directory for this run: /tmp/vmnet-rig-&lt;id&gt;.</summary>
    public string DefaultDirectory => Path.Combine(Path.GetTempPath(), "vmnet-rig-" + Value);

    public override string ToString() => Value;
}
