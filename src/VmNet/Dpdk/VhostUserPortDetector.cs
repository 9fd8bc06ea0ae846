using System.Text.Json;
using VmNet.Multus;

namespace VmNet.Dpdk;

/// <summary>
/// Tells the controller whether a Logical_Switch_Port is a vhost-user NIC, from what it already watches: the
/// port's switch (external_ids <c>ls</c>) names a Subnet whose provider is <c>&lt;nad&gt;.&lt;ns&gt;.ovn</c>, and that
/// NetworkAttachmentDefinition's config of our type carries a <c>vhost_user_socket_*</c> key (the same rule the
/// daemon applies to the CNI netconf, <see cref="VhostUserActivation.BackendOf"/>). An explicit LSP external_ids
/// <see cref="MarkerKey"/>=true also counts.
/// </summary>
/// <param name="subnetProvider">Subnet name -> its spec.provider (null when unknown).</param>
/// <param name="nadConfig">NAD namespace and name -> its spec.config (null when there is no such NAD).</param>
public sealed class VhostUserPortDetector(Func<string, string?> subnetProvider, Func<string, string, string?> nadConfig)
{
    /// <summary>LSP external_ids key marking a vhost-user NIC explicitly.</summary>
    public const string MarkerKey = "vmnet.io/vhost-user";

    /// <summary>LSP external_ids key naming the port's logical switch (written by the controller's port writer).</summary>
    public const string SwitchKey = "ls";

    private static readonly string[] VhostUserKeys = ["vhost_user_socket_volume_name", "vhost_user_socket_name", "vhost_user_socket_consumption"];

    public bool IsVhostUser(IReadOnlyDictionary<string, string> lspExternalIds)
    {
        ArgumentNullException.ThrowIfNull(lspExternalIds);
        if (lspExternalIds.GetValueOrDefault(MarkerKey) == "true")
        {
            return true;
        }

        if (lspExternalIds.GetValueOrDefault(SwitchKey) is not { Length: > 0 } subnet
            || subnetProvider(subnet) is not { } provider
            || NadOf(provider) is not { } nad)
        {
            return false;
        }

        return IsVhostUserConfig(nadConfig(nad.Namespace, nad.Name));
    }

    /// <summary>The NAD an OVN attachment provider <c>&lt;nad&gt;.&lt;ns&gt;.ovn</c> (facts §2.1) comes from; null for <c>ovn</c> and others.</summary>
    public static (string Namespace, string Name)? NadOf(string provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var fields = ProviderNames.SubnetProviderOf(provider).Split('.');
        return fields.Length == 3 && fields[2] == ProviderNames.Ovn && fields[0].Length > 0 && fields[1].Length > 0 ? (fields[1], fields[0]) : null;
    }

    /// <summary>True when the config (plain or conflist) has a plugin of our type with any vhost_user_socket_* key set; malformed JSON is not vhost-user.</summary>
    public static bool IsVhostUserConfig(string? config)
    {
        if (string.IsNullOrWhiteSpace(config))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(config);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            IEnumerable<JsonElement> plugins = root.TryGetProperty("plugins", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [root];
            return plugins.Any(p => p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && NadConfigClassifier.OurTypes.Contains(type.GetString()!)
                && VhostUserKeys.Any(k => p.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
