using VmNet.Ipam;

namespace VmNet.Controller.Subnets;

/// <summary>
/// Decides which subnets hold address space: a subnet is admitted (registered in IPAM) only if its CIDRs
/// overlap no admitted subnet of the same VPC and VLAN. First come keeps its space: an overlapping newcomer
/// is rejected and nothing is created for it, and the subnets already admitted are not disturbed. At
/// startup subnets are admitted oldest first, so a restart picks the same winners.
/// </summary>
public sealed class SubnetAdmission(IpamRegistry ipam)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ValidatedSubnet> _admitted = new(StringComparer.Ordinal);

    public bool IsAdmitted(string name)
    {
        lock (_gate)
        {
            return _admitted.ContainsKey(name);
        }
    }

    public IReadOnlyList<string> AdmittedNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _admitted.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Registers or updates the subnet in IPAM; returns the NICs a CIDR change displaced.</summary>
    /// <exception cref="SubnetOverlapException">An admitted subnet of the same VPC overlaps.</exception>
    /// <exception cref="SubnetValidationException">IPAM refused the spec.</exception>
    public SubnetUpdateResult Admit(ValidatedSubnet subnet, string? gatewayMac)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        lock (_gate)
        {
            foreach (var other in _admitted.Values)
            {
                if (other.Name == subnet.Name || other.Vpc.Length == 0 || other.Vpc != subnet.Vpc || other.Vlan != subnet.Vlan)
                {
                    continue;
                }

                foreach (var mine in subnet.Definition.Families)
                {
                    if (other.Definition[mine.Family] is { } theirs && Overlaps(mine.Cidr, theirs.Cidr))
                    {
                        throw new SubnetOverlapException(subnet.Name, mine.Cidr.ToString(), other.Name, theirs.Cidr.ToString());
                    }
                }
            }

            SubnetUpdateResult result;
            try
            {
                result = ipam.AddOrUpdateSubnet(subnet.ToIpamSpec(gatewayMac));
            }
            catch (IpamException ex)
            {
                throw new SubnetValidationException(subnet.Name, "spec." + ex.Field, ex.Value, ex.Message);
            }

            _admitted[subnet.Name] = subnet;
            return result;
        }
    }

    /// <summary>Releases the subnet's address space and forgets its IPAM state.</summary>
    public bool Remove(string name)
    {
        lock (_gate)
        {
            var removed = _admitted.Remove(name);
            return ipam.RemoveSubnet(name) || removed;
        }
    }

    public static bool Overlaps(Cidr a, Cidr b) =>
        a.Family == b.Family && a.Network <= b.LastAddress && b.Network <= a.LastAddress;
}
