using System.Text.Json.Nodes;

namespace VmNet.E2E.Chart;

/// <summary>The permissions a rendered Role or ClusterRole grants, one <see cref="Grant"/> per group, resource and verb.</summary>
public static class RbacRules
{
    public static IReadOnlySet<Grant> Of(JsonObject role)
    {
        ArgumentNullException.ThrowIfNull(role);
        var grants = new HashSet<Grant>();
        foreach (var rule in role["rules"]!.AsArray().Select(r => r!.AsObject()))
        {
            // Anything but plain group/resource/verb lists would make the comparison below meaningless.
            Assert.False(rule.ContainsKey("resourceNames") || rule.ContainsKey("nonResourceURLs"), rule.ToJsonString());
            foreach (var group in RenderedChart.Strings(rule["apiGroups"]))
            {
                foreach (var resource in RenderedChart.Strings(rule["resources"]))
                {
                    foreach (var verb in RenderedChart.Strings(rule["verbs"]))
                    {
                        Assert.False(group == "*" || resource.Contains('*', StringComparison.Ordinal) || verb == "*", $"wildcard in {rule.ToJsonString()}");
                        grants.Add(new Grant(group, resource, verb));
                    }
                }
            }
        }

        return grants;
    }
}
