namespace VmNet.Dhcp;

/// <summary>IP family of a DHCP_Options row (external_ids <c>protocol</c>).</summary>
public enum DhcpProtocol
{
    IPv4,
    IPv6,
}

/// <summary>
/// A desired NB <c>DHCP_Options</c> row: the CIDR, the options and the identifying external_ids Kube-OVN uses
/// (<c>ls</c>, <c>protocol</c>, and <c>port</c> for a per-pod override row).
/// </summary>
public sealed record DhcpOptionsSpec(string Cidr, DhcpProtocol Protocol, string Subnet, string? Port, IReadOnlyDictionary<string, string> Options)
{
    public const string SwitchExternalId = "ls";
    public const string ProtocolExternalId = "protocol";
    public const string PortExternalId = "port";

    public IReadOnlyDictionary<string, string> ExternalIds
    {
        get
        {
            var ids = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SwitchExternalId] = Subnet,
                [ProtocolExternalId] = Protocol.ToString(),
            };
            if (Port is not null)
            {
                ids[PortExternalId] = Port;
            }

            return ids;
        }
    }

    public bool SameOptions(IReadOnlyDictionary<string, string> other) =>
        Options.Count == other.Count && Options.All(p => other.TryGetValue(p.Key, out var v) && v == p.Value);
}
