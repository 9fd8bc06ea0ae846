using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Kube.Models;

namespace VmNet.Controller.Pods;

/// <summary>Outcome of resolving a pod's addresses.</summary>
public abstract record Resolution
{
    /// <summary>Addresses held in IPAM (newly or already) and what the annotations/port need of the subnet.</summary>
    public sealed record Allocated(Allocation Allocation, SubnetAddressing Subnet, AddressRequest Request, bool Fresh) : Resolution;

    /// <summary>The pod's input is wrong (<see cref="Field"/>, <see cref="Value"/>); nothing was allocated.</summary>
    public sealed record Rejected(string Field, string Value, string Message) : Resolution;

    /// <summary>Something the pod needs is not there yet (subnet not registered, no free address): retry later.</summary>
    public sealed record Waiting(string Message) : Resolution;

    /// <summary>The subnet (or its IP pool) has no free address: a Warning, then a retry once one is released.</summary>
    public sealed record Exhausted(string Subnet, string Message) : Resolution;

    /// <summary>The NIC holds addresses that no longer fit the request (subnet or static IP/MAC changed): release first.</summary>
    public sealed record MustRelease(Allocation Stale, string Reason) : Resolution;
}

/// <summary>
/// Chooses a pod's subnet, validates its addressing annotations and allocates from the shared IPAM under the
/// pod's port name. Pure with respect to the API and OVSDB: only the in-memory IPAM changes.
/// </summary>
public sealed class PodAddressResolver(AddressingContext context)
{
    public Resolution Resolve(V1Pod pod, PodFacts facts)
    {
        var annotations = pod.Metadata?.Annotations;
        AddressRequest request;
        try
        {
            request = AddressRequestParser.Parse(annotations);
        }
        catch (AddressingException ex)
        {
            return new Resolution.Rejected(ex.Field, ex.Value, ex.Message);
        }

        var subnetName = context.ChooseSubnet(pod);
        var subnetCr = context.Subnets.Indexer.Get(null, subnetName);
        var lsKey = AnnotationKeys.For(AnnotationKeys.LogicalSwitch);
        if (subnetCr is null)
        {
            return annotations?.ContainsKey(lsKey) == true
                ? new Resolution.Rejected(lsKey, subnetName, $"{lsKey}: \"{subnetName}\" is not an existing Subnet")
                : new Resolution.Waiting($"subnet {subnetName} does not exist yet");
        }

        var ipam = context.Ipam.FindSubnet(subnetName);
        if (ipam is null || !context.Host.Subnets.IsReady(subnetName))
        {
            return new Resolution.Waiting($"subnet {subnetName} is not ready yet (IPAM, logical switch)");
        }

        var subnet = new SubnetAddressing(subnetName, ipam.Definition.CidrBlock, ipam.Definition.Gateway, LogicalRouterOf(subnetCr, context.Options.ClusterRouter));
        var existing = context.Ipam.FindByNic(facts.PortName);
        if (existing is not null)
        {
            var stale = StaleReason(existing, subnetName, request, AllocationAnnotations.IsAllocated(annotations));
            return stale is null ? new Resolution.Allocated(existing, subnet, request, Fresh: false) : new Resolution.MustRelease(existing, stale);
        }

        return Allocate(pod, facts, ipam, subnet, request);
    }

    /// <summary>Overlay subnets (no VLAN) route through their VPC's router (facts §2.2).</summary>
    public static string? LogicalRouterOf(V1Subnet subnet, string defaultVpc) =>
        string.IsNullOrEmpty(subnet.Spec?.Vlan) || subnet.Spec?.LogicalGateway == true || subnet.Spec?.U2oInterconnection == true
            ? (string.IsNullOrEmpty(subnet.Spec?.Vpc) ? defaultVpc : subnet.Spec!.Vpc)
            : null;

    private Resolution Allocate(V1Pod pod, PodFacts facts, SubnetIpam ipam, SubnetAddressing subnet, AddressRequest request)
    {
        var baseRequest = new AllocationRequest(facts.PortName, facts.OwnerKey)
        {
            StaticMac = request.StaticMac,
            PodType = facts.PodType,
            CheckConflict = facts.Vm?.IsMigrationTarget != true,
        };
        var alreadyAnnotated = AllocationAnnotations.IsAllocated(pod.Metadata?.Annotations);
        try
        {
            if (request.HasStaticIp)
            {
                try
                {
                    return new Resolution.Allocated(ipam.Allocate(baseRequest with { StaticIps = request.StaticIps }), subnet, request, Fresh: true);
                }
                catch (IpamException ex) when (alreadyAnnotated && request.IpPool is null && ex is AddressConflictException or AddressOutOfRangeException)
                {
                    // The annotation is our own earlier allocation, lost (IP CR deleted, rebuild conflict, subnet
                    // CIDR changed) and taken or gone since: a fresh address beats two owners of one.
                    var mac = ex is AddressConflictException ? null : request.StaticMac;
                    return new Resolution.Allocated(ipam.Allocate(baseRequest with { StaticMac = mac }), subnet, request, Fresh: true);
                }
            }

            if (request.IpPool is { } pool)
            {
                var statefulSet = pod.Metadata?.OwnerReferences?.Any(o => o.Kind == "StatefulSet") == true;
                return new Resolution.Allocated(ipam.AllocateFromIpPoolAnnotation(baseRequest, pool, pod.Metadata?.Name ?? string.Empty, statefulSet), subnet, request, Fresh: true);
            }

            return new Resolution.Allocated(ipam.Allocate(baseRequest), subnet, request, Fresh: true);
        }
        catch (NoAvailableAddressException ex)
        {
            return new Resolution.Exhausted(ipam.Name, $"cannot allocate an address for {facts.Namespace}/{facts.Name} (port {facts.PortName}): {ex.Message}; waiting until an address of subnet {ipam.Name} is released");
        }
        catch (IpamException ex)
        {
            var field = ex.Field is "ip_address" or "mac_address" or "ip_pool" ? AnnotationKeys.For(ex.Field) : ex.Field;
            var owner = ex is AddressConflictException { CurrentOwner: { } holder } ? $" (held by {holder})" : string.Empty;
            return new Resolution.Rejected(field, ex.Value, $"{field}: \"{ex.Value}\" {ProblemOf(ex)}{owner}");
        }
    }

    private static string ProblemOf(IpamException ex)
    {
        var at = ex.Message.IndexOf("\" ", StringComparison.Ordinal);
        return at < 0 ? ex.Message : ex.Message[(at + 2)..];
    }

    private static string? StaleReason(Allocation existing, string subnetName, AddressRequest request, bool podAllocated)
    {
        if (existing.Subnet != subnetName)
        {
            return $"subnet changed from {existing.Subnet} to {subnetName}";
        }

        // On an allocated pod the ip/mac annotations are what we wrote; only a new pod (VM restart) asks anew.
        if (podAllocated)
        {
            return null;
        }

        if (request.HasStaticIp && !request.StaticIps.ToHashSet(StringComparer.Ordinal).SetEquals(existing.Addresses.Select(a => a.ToString())))
        {
            return $"static ip_address changed to {string.Join(',', request.StaticIps)}";
        }

        if (request.StaticMac is { } mac && existing.Mac?.ToString() != mac)
        {
            return $"static mac_address changed to {mac}";
        }

        return null;
    }
}
