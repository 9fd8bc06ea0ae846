using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Controller.Subnets;

/// <summary>One ACL a subnet's switch should carry (compared by these four fields only).</summary>
public sealed record SubnetAclRule(string Direction, long Priority, string Match, string Action);

/// <summary>
/// Kube-OVN's private-subnet isolation (facts §9.1, <c>SetLogicalSwitchPrivate</c>): on the subnet's switch, per
/// family, drop <c>to-lport ip</c> at 1000, allow the subnet to itself at 1001, allow each <c>allowSubnets</c> CIDR
/// of that family both ways at 1001, and allow the join (node) subnet at 3000 so nodes keep reaching pods (health
/// checks, kubelet probes). A non-private subnet has none. The rules live only on this switch, so a private
/// subnet isolates what it receives; other subnets are unaffected.
/// </summary>
public static class SubnetAcls
{
    public const long DropPriority = 1000;
    public const long SubnetAllowPriority = 1001;
    public const long NodeAllowPriority = 3000;

    /// <summary>The rules <paramref name="spec"/> asks for.</summary>
    /// <exception cref="SubnetValidationException">An <c>allowSubnets</c> entry that is not a CIDR.</exception>
    public static IReadOnlyList<SubnetAclRule> Desired(string subnet, V1SubnetSpec spec, IReadOnlyList<Cidr> subnetCidrs, string joinCidrBlock)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(subnetCidrs);
        var allow = new List<Cidr>();
        foreach (var text in spec.AllowSubnets ?? [])
        {
            try
            {
                allow.Add(Cidr.Parse(text.Trim(), "spec.allowSubnets"));
            }
            catch (InvalidIpamInputException ex)
            {
                throw new SubnetValidationException(subnet, "spec.allowSubnets", text, ex.Message);
            }
        }

        if (spec.Private != true)
        {
            return [];
        }

        var join = (joinCidrBlock ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => Cidr.Parse(c, "--node-switch-cidr"))
            .ToArray();
        var rules = new List<SubnetAclRule> { new(Acl.DirectionValues.ToLport, DropPriority, "ip", Acl.ActionValues.Drop) };
        foreach (var cidr in subnetCidrs)
        {
            var ip = cidr.Family == IpFamily.V4 ? "ip4" : "ip6";
            foreach (var node in join.Where(j => j.Family == cidr.Family))
            {
                rules.Add(new(Acl.DirectionValues.ToLport, NodeAllowPriority, $"{ip}.src == {node}", Acl.ActionValues.AllowRelated));
            }

            rules.Add(new(Acl.DirectionValues.ToLport, SubnetAllowPriority, $"{ip}.src == {cidr} && {ip}.dst == {cidr}", Acl.ActionValues.AllowRelated));
            foreach (var other in allow.Where(a => a.Family == cidr.Family))
            {
                rules.Add(new(
                    Acl.DirectionValues.ToLport,
                    SubnetAllowPriority,
                    $"({ip}.src == {cidr} && {ip}.dst == {other}) || ({ip}.src == {other} && {ip}.dst == {cidr})",
                    Acl.ActionValues.AllowRelated));
            }
        }

        return rules.Distinct().ToArray();
    }

    /// <summary>
    /// Operations that make the switch's ACLs owned by <paramref name="owner"/> equal <paramref name="desired"/> (ACLs
    /// of other owners are left alone). Nothing when they already match. ACL rows are not root rows: removing a
    /// reference deletes them.
    /// </summary>
    public static IReadOnlyList<OvsdbOperation> Ensure(LogicalSwitch logicalSwitch, IReadOnlyList<Acl> current, IReadOnlyList<SubnetAclRule> desired, Ownership owner)
    {
        ArgumentNullException.ThrowIfNull(logicalSwitch);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        var ours = current.Where(a => logicalSwitch.Acls.Contains(a.Uuid) && Ownership.FromExternalIds(a.ExternalIds) == owner).ToArray();
        var have = ours.Select(RuleOf).ToHashSet();
        if (have.SetEquals(desired) && ours.Length == have.Count)
        {
            return [];
        }

        var ops = new List<OvsdbOperation>();
        if (ours.Length > 0)
        {
            ops.Add(Ops.RemoveFromSet(LogicalSwitch.Table, logicalSwitch.Uuid, "acls", ours.Select(a => (RowRef)a.Uuid).ToArray()));
        }

        var inserted = new List<RowRef>();
        foreach (var rule in desired)
        {
            var name = new NamedUuid($"acl_{Guid.NewGuid():N}");
            var row = new Acl
            {
                Direction = rule.Direction,
                Priority = rule.Priority,
                Match = rule.Match,
                Action = rule.Action,
                ExternalIds = new Dictionary<string, string> { ["subnet"] = logicalSwitch.Name },
            };
            ops.Add(Ops.InsertOwned(row, owner, name.Name));
            inserted.Add(name);
        }

        if (inserted.Count > 0)
        {
            ops.Add(Ops.AddToSet(LogicalSwitch.Table, logicalSwitch.Uuid, "acls", [.. inserted]));
        }

        return ops;
    }

    private static SubnetAclRule RuleOf(Acl acl) => new(acl.Direction, acl.Priority, acl.Match, acl.Action);
}
