using System.Text.RegularExpressions;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Nodes;

/// <summary>Nodes as kubelet registers them, and reads of what the controller made for them.</summary>
internal static partial class NodeWorld
{
    public static V1Node Node(string name, string internalIp) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = internalIp }, new V1NodeAddress { Type = "Hostname", Address = name }],
        },
    };

    /// <summary>Registers a node as kubelet does: create, then its addresses through the status subresource.</summary>
    public static async Task<V1Node> CreateAsync(IKubeClient client, string name, string internalIp)
    {
        var node = Node(name, internalIp);
        var created = await client.CreateAsync(new V1Node { Metadata = node.Metadata });
        created.Status = node.Status;
        return await client.ReplaceStatusAsync(created);
    }

    /// <summary>Waits for the node's <c>allocated</c> join annotation.</summary>
    public static Task<V1Node> JoinedAsync(TopologyHarness harness, string name) =>
        TopologyHarness.EventuallyAsync(
            () => harness.Client.GetAsync<V1Node>(null, name),
            n => n.Metadata?.Annotations?.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true",
            $"node {name} join annotations");

    /// <summary>The lines of <c>ovn-nbctl lr-policy-list ovn-cluster</c>, once <paramref name="until"/> holds for the whole list.</summary>
    public static async Task<IReadOnlyList<string>> PoliciesAsync(TopologyHarness harness, Func<string, bool> until)
    {
        return await TopologyHarness.EventuallyAsync(
            async () => (await harness.Central.Central.NbctlAsync(["lr-policy-list", "ovn-cluster"])).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => Priority().IsMatch(l))
                .ToArray(),
            lines => until(string.Join('\n', lines)),
            "router policies");
    }

    /// <summary>True when a policy line has this priority, match, action and (optional) next hop, whitespace aside.</summary>
    public static bool Is(string line, string priority, string match, string action, string? nexthop = null)
    {
        var parts = Regex.Split(line.Trim(), @"\s{2,}");
        return parts.Length >= 3 && parts[0] == priority && parts[1] == match && parts[2].StartsWith(action, StringComparison.Ordinal)
            && (nexthop is null || parts[2].EndsWith(" " + nexthop, StringComparison.Ordinal) || (parts.Length > 3 && parts[3] == nexthop));
    }

    public static async Task<bool> IpCrExistsAsync(TopologyHarness harness, string name)
    {
        try
        {
            await harness.Client.GetAsync<V1IP>(null, name);
            return true;
        }
        catch (KubeNotFoundException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\d+\s")]
    private static partial Regex Priority();
}
