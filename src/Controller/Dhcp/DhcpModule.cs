using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Informers;
using VmNet.Kube.Models;

namespace VmNet.Controller.Dhcp;

/// <summary>OVN native DHCP: the subnet DHCP controller and the per-pod DHCP controller (facts §5.6).</summary>
public sealed class DhcpModule : IControllerModule
{
    public int Order => StartupOrder.AfterIpam;

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(registry);
        var subnets = registry.Add(new SubnetDhcpReconciler(context));
        subnets.Watch(context.SubnetInformer, ResourceController.OwnKey(context.SubnetInformer), SubnetChangeMatters);
        var pods = registry.Add(new PodDhcpReconciler(context), Math.Max(context.Options.WorkerCount / 2, 2));
        pods.Watch(context.PodInformer, ResourceController.OwnKey(context.PodInformer), (old, pod) =>
            !Equal(old.Metadata?.Annotations, pod.Metadata?.Annotations) || old.Status?.Phase != pod.Status?.Phase);
    }

    public Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool SubnetChangeMatters(V1Subnet old, V1Subnet subnet) =>
        old.Spec?.EnableDHCP != subnet.Spec?.EnableDHCP || old.Spec?.DhcpV4Options != subnet.Spec?.DhcpV4Options
        || old.Spec?.DhcpV6Options != subnet.Spec?.DhcpV6Options || old.Spec?.EnableIPv6RA != subnet.Spec?.EnableIPv6RA
        || old.Spec?.Ipv6RAConfigs != subnet.Spec?.Ipv6RAConfigs || old.Spec?.CidrBlock != subnet.Spec?.CidrBlock
        || old.Spec?.Gateway != subnet.Spec?.Gateway || old.Spec?.Mtu != subnet.Spec?.Mtu
        || old.Status?.DhcpV4OptionsUUID != subnet.Status?.DhcpV4OptionsUUID || old.Status?.DhcpV6OptionsUUID != subnet.Status?.DhcpV6OptionsUUID
        || old.Metadata?.DeletionTimestamp != subnet.Metadata?.DeletionTimestamp;

    private static bool Equal(Dictionary<string, string>? a, Dictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(p => b!.TryGetValue(p.Key, out var v) && v == p.Value));
}
