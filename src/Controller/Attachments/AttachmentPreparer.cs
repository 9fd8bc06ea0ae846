using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>
/// Finds each attachment's subnet (facts §6: <c>&lt;p&gt;.kubernetes.io/logical_switch</c>, else the first Subnet by
/// name whose <c>provider</c> equals the attachment's) and validates its static IP/MAC against that subnet,
/// before anything is allocated, so bad input on any NIC leaves no NIC half set up.
/// </summary>
public sealed class AttachmentPreparer(AddressingContext context)
{
    public AttachmentOutcome Prepare(V1Pod pod, PodFacts facts, AttachmentPlan plan)
    {
        var annotations = pod.Metadata?.Annotations;
        var prepared = new List<PreparedAttachment>();
        foreach (var attachment in plan.Attachments)
        {
            var subnetCr = ChooseSubnet(annotations, attachment, out var rejected);
            if (rejected is not null)
            {
                return rejected;
            }

            if (subnetCr is null)
            {
                var field = $"{MultusAnnotations.Networks} {attachment.Selection.NadKey}";
                return new AttachmentOutcome.Rejected(field, attachment.SubnetProvider, $"{field}: provider {attachment.SubnetProvider} is not bound to any subnet");
            }

            var subnetName = subnetCr.Metadata!.Name!;
            if (context.Ipam.FindSubnet(subnetName) is not { } ipam)
            {
                return new AttachmentOutcome.Waiting($"subnet {subnetName} is not registered in IPAM yet");
            }

            AddressRequest request;
            try
            {
                request = ParseRequest(annotations, attachment, ipam);
            }
            catch (AddressingException ex)
            {
                return new AttachmentOutcome.Rejected(ex.Field, ex.Value, ex.Message);
            }

            var router = attachment.HasPort ? PodAddressResolver.LogicalRouterOf(subnetCr, context.Options.ClusterRouter) : null;
            var subnet = new SubnetAddressing(subnetName, ipam.Definition.CidrBlock, ipam.Definition.Gateway, router, attachment.Provider);
            var owner = facts.Vm?.VmName ?? facts.Name;
            prepared.Add(new PreparedAttachment(attachment, PortNames.PortName(owner, facts.Namespace, attachment.Provider), ipam, subnet, request)
            {
                OnOvnSubnet = ProviderNames.IsOvnProvider(subnetCr.Spec?.Provider),
            });
        }

        return new AttachmentOutcome.Ready(prepared);
    }

    private V1Subnet? ChooseSubnet(IReadOnlyDictionary<string, string>? annotations, Attachment attachment, out AttachmentOutcome.Rejected? rejected)
    {
        rejected = null;
        if (AttachmentAddressInput.LogicalSwitch(annotations, attachment) is { } chosen)
        {
            var named = context.Subnets.Indexer.Get(null, chosen.Value);
            if (named is null)
            {
                rejected = new AttachmentOutcome.Rejected(chosen.Field, chosen.Value, $"{chosen.Field}: \"{chosen.Value}\" is not an existing Subnet");
            }

            return named;
        }

        return context.Subnets.Indexer.List()
            .Where(s => s.Metadata?.DeletionTimestamp is null && string.Equals(s.Spec?.Provider, attachment.SubnetProvider, StringComparison.Ordinal))
            .OrderBy(s => s.Metadata!.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static AddressRequest ParseRequest(IReadOnlyDictionary<string, string>? annotations, Attachment attachment, SubnetIpam ipam)
    {
        var ips = AttachmentAddressInput.StaticIps(annotations, attachment);
        var mac = AttachmentAddressInput.StaticMac(annotations, attachment);
        var staticIps = ips is null ? [] : AddressRequestParser.ParseStaticIps(ips.Field, ips.Value);
        var cidrs = ipam.Definition.CidrBlock.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => Cidr.Parse(c, "cidrBlock")).ToList();
        foreach (var ip in staticIps)
        {
            var address = IpAddr.Parse(ip, ips!.Field);
            if (!cidrs.Any(c => c.Family == address.Family && c.Contains(address)))
            {
                throw new AddressingException(ips.Field, ip, $"is outside the attachment's subnet {ipam.Definition.Name} ({ipam.Definition.CidrBlock})");
            }
        }

        var security = annotations is not null && annotations.TryGetValue(AnnotationKeys.For(AnnotationKeys.PortSecurity, attachment.Provider), out var s) && s == "true";
        return new AddressRequest
        {
            StaticIps = staticIps,
            StaticMac = mac is null ? null : AddressRequestParser.ParseMac(mac.Field, mac.Value),
            PortSecurity = security,
        };
    }
}
