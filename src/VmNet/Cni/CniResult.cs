using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>
/// A CNI result in its canonical (spec 1.1.0) shape. Every other version's result is produced
/// from this by <see cref="CniResultFormatter"/> and read into it by <see cref="CniResultParser"/>.
/// </summary>
public sealed class CniResult
{
    [JsonPropertyName("cniVersion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CniVersion { get; set; }

    [JsonPropertyName("interfaces")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniInterface>? Interfaces { get; set; }

    [JsonPropertyName("ips")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniIpConfig>? Ips { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniRoute>? Routes { get; set; }

    [JsonPropertyName("dns")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CniDns? Dns { get; set; }
}

/// <summary>An interface created or configured by a plugin (spec 1.1 fields included).</summary>
public sealed class CniInterface
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("mac")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; set; }

    /// <summary>1.1.0 only.</summary>
    [JsonPropertyName("mtu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Mtu { get; set; }

    /// <summary>Netns path for a container-side interface; absent for host-side ones.</summary>
    [JsonPropertyName("sandbox")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sandbox { get; set; }

    /// <summary>1.1.0 only: vhost-user socket path (DPDK).</summary>
    [JsonPropertyName("socketPath")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SocketPath { get; set; }

    /// <summary>1.1.0 only: PCI address of an SR-IOV VF.</summary>
    [JsonPropertyName("pciID")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PciId { get; set; }
}

/// <summary>An address (CIDR notation) with an optional gateway and interface index.</summary>
public sealed class CniIpConfig
{
    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    [JsonPropertyName("gateway")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Gateway { get; set; }

    /// <summary>Index into <see cref="CniResult.Interfaces"/>; absent for IPAM results.</summary>
    [JsonPropertyName("interface")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Interface { get; set; }
}

/// <summary>A route; every field but dst/gw is 1.1.0 only.</summary>
public sealed class CniRoute
{
    [JsonPropertyName("dst")]
    public string Dst { get; set; } = "";

    [JsonPropertyName("gw")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Gw { get; set; }

    [JsonPropertyName("mtu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Mtu { get; set; }

    [JsonPropertyName("advmss")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AdvMss { get; set; }

    [JsonPropertyName("priority")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Priority { get; set; }

    [JsonPropertyName("table")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Table { get; set; }

    [JsonPropertyName("scope")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Scope { get; set; }
}

/// <summary>DNS settings (same shape in every version).</summary>
public sealed class CniDns
{
    [JsonPropertyName("nameservers")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Nameservers { get; set; }

    [JsonPropertyName("domain")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Domain { get; set; }

    [JsonPropertyName("search")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Search { get; set; }

    [JsonPropertyName("options")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Options { get; set; }

    [JsonIgnore]
    public bool IsEmpty =>
        (Nameservers is null || Nameservers.Count == 0) && string.IsNullOrEmpty(Domain)
        && (Search is null || Search.Count == 0) && (Options is null || Options.Count == 0);
}
