using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>
/// The network configuration a runtime hands the plugin on stdin (one plugin entry of a conflist,
/// with name and cniVersion injected). Field names follow Kube-OVN's netconf so existing
/// NetworkAttachmentDefinitions work unchanged (<c>"type": "kube-ovn"</c>, <c>server_socket</c>, <c>provider</c>).
/// </summary>
public sealed class NetConf
{
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("capabilities")]
    public Dictionary<string, bool>? Capabilities { get; set; }

    [JsonPropertyName("ipam")]
    public IpamConf? Ipam { get; set; }

    [JsonPropertyName("dns")]
    public CniDns? Dns { get; set; }

    /// <summary>Conventions' <c>args</c> (e.g. <c>args.cni.ips</c>); passed to the daemon untouched.</summary>
    [JsonPropertyName("args")]
    public JsonElement? Args { get; set; }

    [JsonPropertyName("runtimeConfig")]
    public RuntimeConfig? RuntimeConfig { get; set; }

    /// <summary>Result of the previous plugin in a chain, in this netconf's cniVersion format.</summary>
    [JsonPropertyName("prevResult")]
    public JsonElement? PrevResult { get; set; }

    /// <summary>Path of the daemon's unix socket; <see cref="DaemonProtocol.DefaultSocketPath"/> when absent.</summary>
    [JsonPropertyName("server_socket")]
    public string? ServerSocket { get; set; }

    /// <summary>Kube-OVN provider (<c>ovn</c> or <c>&lt;nad&gt;.&lt;ns&gt;.ovn</c>).</summary>
    [JsonPropertyName("provider")]
    public string? Provider { get; set; }

    [JsonPropertyName("mtu")]
    public int? Mtu { get; set; }

    [JsonPropertyName("routes")]
    public List<NetConfRoute>? Routes { get; set; }

    /// <summary>SR-IOV VF PCI address, injected by Multus from the device plugin allocation.</summary>
    [JsonPropertyName("deviceID")]
    public string? DeviceId { get; set; }

    [JsonPropertyName("vf_driver")]
    public string? VfDriver { get; set; }

    [JsonPropertyName("vhost_user_socket_volume_name")]
    public string? VhostUserSocketVolumeName { get; set; }

    [JsonPropertyName("vhost_user_socket_name")]
    public string? VhostUserSocketName { get; set; }

    [JsonPropertyName("vhost_user_socket_consumption")]
    public string? VhostUserSocketConsumption { get; set; }

    /// <summary>VmNet extension: how long the binary waits for the daemon (seconds) before failing.</summary>
    [JsonPropertyName("daemon_timeout_seconds")]
    public double? DaemonTimeoutSeconds { get; set; }

    /// <summary>GC input (spec 1.1): attachments the runtime still considers valid.</summary>
    [JsonPropertyName("cni.dev/valid-attachments")]
    public List<CniAttachment>? ValidAttachments { get; set; }
}

/// <summary>The <c>ipam</c> block; for an IPAM-only attachment it names our socket and provider.</summary>
public sealed class IpamConf
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("server_socket")]
    public string? ServerSocket { get; set; }

    [JsonPropertyName("provider")]
    public string? Provider { get; set; }

    [JsonPropertyName("routes")]
    public List<NetConfRoute>? Routes { get; set; }
}

/// <summary>A route requested in the netconf (Kube-OVN <c>routes</c>: dst and gw).</summary>
public sealed class NetConfRoute
{
    [JsonPropertyName("dst")]
    public string? Dst { get; set; }

    [JsonPropertyName("gw")]
    public string? Gw { get; set; }
}

/// <summary>
/// <c>runtimeConfig</c>: capability arguments from the runtime or Multus. The ones VmNet reads are
/// typed; the rest (portMappings, bandwidth, ...) are kept in <see cref="Extra"/> and forwarded.
/// </summary>
public sealed class RuntimeConfig
{
    [JsonPropertyName("deviceID")]
    public string? DeviceId { get; set; }

    [JsonPropertyName("mac")]
    public string? Mac { get; set; }

    [JsonPropertyName("ips")]
    public List<string>? Ips { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One (container, interface) pair, as in GC's <c>cni.dev/valid-attachments</c>.</summary>
public sealed class CniAttachment
{
    [JsonPropertyName("containerID")]
    public string ContainerId { get; set; } = "";

    [JsonPropertyName("ifname")]
    public string IfName { get; set; } = "";
}

/// <summary>A conflist (<c>.conflist</c> file): shared name/version plus a plugin chain.</summary>
public sealed class NetConfList
{
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; set; }

    [JsonPropertyName("cniVersions")]
    public List<string>? CniVersions { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("disableCheck")]
    public bool DisableCheck { get; set; }

    [JsonPropertyName("disableGC")]
    public bool DisableGc { get; set; }

    [JsonPropertyName("plugins")]
    public List<JsonElement>? Plugins { get; set; }
}
