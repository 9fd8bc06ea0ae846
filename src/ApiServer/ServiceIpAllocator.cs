using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>
/// Gives Services a clusterIP from 10.96.0.0/16 as the real server's allocator does, so controllers that
/// program load balancers see one. Called under the store lock.
/// </summary>
internal sealed class ServiceIpAllocator
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private uint _next = 10;

    /// <summary>Fills clusterIP(s); <paramref name="reserve"/> false (dry run) leaves the pool untouched.</summary>
    public void Assign(JsonObject service, StoredObject? old, bool reserve = true)
    {
        if (service["spec"] is not JsonObject spec)
        {
            spec = [];
            service["spec"] = spec;
        }

        if (old is not null && old.ToNode()["spec"]?["clusterIP"] is JsonNode oldIp)
        {
            // clusterIP is immutable once set.
            spec["clusterIP"] = oldIp.DeepClone();
            spec["clusterIPs"] = new JsonArray(oldIp.DeepClone());
            return;
        }

        if ((string?)spec["type"] == "ExternalName")
        {
            return;
        }

        var requested = (string?)spec["clusterIP"];
        if (requested == "None")
        {
            spec["clusterIPs"] = new JsonArray("None");
            return;
        }

        if (string.IsNullOrEmpty(requested))
        {
            var next = _next;
            do
            {
                var n = next++;
                requested = new IPAddress([10, 96, (byte)(n >> 8), (byte)n]).ToString();
            }
            while (_used.Contains(requested) || requested.EndsWith(".0", StringComparison.Ordinal));
            if (reserve)
            {
                _next = next;
            }
        }

        if (reserve)
        {
            _used.Add(requested);
        }

        spec["clusterIP"] = requested;
        spec["clusterIPs"] = new JsonArray(requested);
        spec["type"] ??= "ClusterIP";
    }

    public void Release(JsonObject service)
    {
        if ((string?)service["spec"]?["clusterIP"] is { } ip)
        {
            _used.Remove(ip);
        }
    }
}
