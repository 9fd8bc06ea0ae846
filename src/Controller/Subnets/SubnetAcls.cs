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
/// checks, kubelet probes). <c>spec.acls</c> are added as written and <c>allowEWTraffic</c> allows the subnet to itself
/// both ways at 1900. A subnet asking for none of these has no ACLs. The rules live only on this switch, so a
/// private subnet isolates what it receives; other subnets are unaffected.
/// </summary>
public static class SubnetAcls
{
    public const long DropPriority = 1000;
    public const long SubnetAllowPriority = 1001;
    public const long NodeAllowPriority = 3000;
    public const long AllowEastWestPriority = 1900;
    private const long MaxPriority = 32767;
    private static readonly HashSet<string> Directions = [Acl.DirectionValues.FromLport, Acl.DirectionValues.ToLport];
    private static readonly HashSet<string> Actions =
        [Acl.ActionValues.Allow, Acl.ActionValues.AllowRelated, Acl.ActionValues.AllowStateless, Acl.ActionValues.Drop, Acl.ActionValues.Reject];

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

        var rules = new List<SubnetAclRule>();
        rules.AddRange(UserRules(subnet, spec));
        if (spec.AllowEWTraffic == true)
        {
            // Same-subnet traffic passes both ways ahead of the user's and NetworkPolicy rules.
            foreach (var cidr in subnetCidrs)
            {
                var ip = cidr.Family == IpFamily.V4 ? "ip4" : "ip6";
                var match = $"{ip}.src == {cidr} && {ip}.dst == {cidr}";
                rules.Add(new(Acl.DirectionValues.ToLport, AllowEastWestPriority, match, Acl.ActionValues.Allow));
                rules.Add(new(Acl.DirectionValues.FromLport, AllowEastWestPriority, match, Acl.ActionValues.Allow));
            }
        }

        if (spec.Private != true)
        {
            return rules.Distinct().ToArray();
        }

        var join = (joinCidrBlock ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => Cidr.Parse(c, "--node-switch-cidr"))
            .ToArray();
        rules.Add(new(Acl.DirectionValues.ToLport, DropPriority, "ip", Acl.ActionValues.Drop));
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

    /// <summary><c>spec.acls</c> as written (facts §9.1), each field checked so OVN never sees a row it rejects.</summary>
    private static IEnumerable<SubnetAclRule> UserRules(string subnet, V1SubnetSpec spec)
    {
        var acls = spec.Acls ?? [];
        for (var i = 0; i < acls.Count; i++)
        {
            var acl = acls[i];
            var field = $"spec.acls[{i}]";
            if (acl.Direction is not { } direction || !Directions.Contains(direction))
            {
                throw new SubnetValidationException(subnet, field + ".direction", acl.Direction ?? "", "must be from-lport or to-lport");
            }

            if (acl.Action is not { } action || !Actions.Contains(action))
            {
                throw new SubnetValidationException(subnet, field + ".action", acl.Action ?? "", "must be allow, allow-related, allow-stateless, drop or reject");
            }

            if (acl.Priority is not { } priority || priority < 0 || priority > MaxPriority)
            {
                throw new SubnetValidationException(subnet, field + ".priority", acl.Priority?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", $"must be between 0 and {MaxPriority}");
            }

            if (string.IsNullOrWhiteSpace(acl.Match))
            {
                throw new SubnetValidationException(subnet, field + ".match", acl.Match ?? "", "must not be empty");
            }

            yield return new SubnetAclRule(direction, priority, acl.Match.Trim(), action);
        }
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
