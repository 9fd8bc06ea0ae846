using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.Ipam;

namespace VmNet.Controller.Attachments;

/// <summary>A NIC holds addresses that no longer fit its attachment (subnet or static IP/MAC changed).</summary>
public sealed record StaleAttachment(string PortName, string Reason);

/// <summary>
/// Allocates every prepared attachment of a pod in IPAM, all or nothing: when one fails (conflict, exhausted
/// subnet), the ones freshly allocated in this pass are released again before returning.
/// </summary>
public sealed class AttachmentAllocator(AddressingContext context)
{
    public sealed record Allocated(PreparedAttachment Prepared, Allocation Allocation, bool Fresh);

    public abstract record Result
    {
        public sealed record Done(IReadOnlyList<Allocated> Allocations) : Result;

        public sealed record Failed(AttachmentOutcome Outcome) : Result;

        public sealed record MustRelease(IReadOnlyList<StaleAttachment> Stale) : Result;
    }

    public Result AllocateAll(IReadOnlyList<PreparedAttachment> attachments, PodFacts facts)
    {
        var stale = new List<StaleAttachment>();
        foreach (var prepared in attachments)
        {
            if (context.Ipam.FindByNic(prepared.PortName) is { } existing && StaleReason(existing, prepared) is { } reason)
            {
                stale.Add(new StaleAttachment(prepared.PortName, reason));
            }
        }

        if (stale.Count > 0)
        {
            return new Result.MustRelease(stale);
        }

        var done = new List<Allocated>();
        foreach (var prepared in attachments)
        {
            if (context.Ipam.FindByNic(prepared.PortName) is { } existing)
            {
                done.Add(new Allocated(prepared, existing, Fresh: false));
                continue;
            }

            try
            {
                var allocation = prepared.Ipam.Allocate(new AllocationRequest(prepared.PortName, facts.Vm?.OwnerKey ?? facts.OwnerKey)
                {
                    StaticIps = prepared.Request.StaticIps,
                    StaticMac = prepared.Request.StaticMac,
                    PodType = facts.PodType,
                    CheckConflict = facts.Vm?.IsMigrationTarget != true,
                });
                done.Add(new Allocated(prepared, allocation, Fresh: true));
            }
            catch (IpamException ex)
            {
                foreach (var fresh in done.Where(d => d.Fresh))
                {
                    context.Ipam.ReleaseNic(fresh.Allocation.NicKey);
                }

                var holder = ex is AddressConflictException { CurrentOwner: { } owner } ? $" (held by {owner})" : string.Empty;
                var field = ex.Field switch
                {
                    "ip_address" => AnnotationKeys.For(AnnotationKeys.IpAddress, prepared.Attachment.Provider),
                    "mac_address" => AnnotationKeys.For(AnnotationKeys.MacAddress, prepared.Attachment.Provider),
                    _ => ex.Field,
                };
                return new Result.Failed(ex is NoAvailableAddressException
                    ? new AttachmentOutcome.Waiting(ex.Message)
                    : new AttachmentOutcome.Rejected(field, ex.Value, $"{field}: {ex.Message}{holder}"));
            }
        }

        return new Result.Done(done);
    }

    private static string? StaleReason(Allocation existing, PreparedAttachment prepared)
    {
        if (existing.Subnet != prepared.Subnet.Name)
        {
            return $"subnet changed from {existing.Subnet} to {prepared.Subnet.Name}";
        }

        var request = prepared.Request;
        if (request.HasStaticIp && !request.StaticIps.ToHashSet(StringComparer.Ordinal).SetEquals(existing.Addresses.Select(a => a.ToString())))
        {
            return $"static ip_address changed to {string.Join(',', request.StaticIps)}";
        }

        return request.StaticMac is { } mac && existing.Mac?.ToString() != mac ? $"static mac_address changed to {mac}" : null;
    }
}
