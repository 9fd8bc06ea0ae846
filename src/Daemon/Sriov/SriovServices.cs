using Microsoft.Extensions.DependencyInjection;
using VmNet.Ovsdb.Client;

namespace VmNet.Daemon.Sriov;

/// <summary>The daemon's SR-IOV services: sysfs at <see cref="DaemonOptions.SysfsRoot"/>, devlink for the eswitch mode, netlink on the PF for VF MACs.</summary>
public static class SriovServices
{
    public static IServiceCollection AddSriov(this IServiceCollection services, OvsdbClient ovs, DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<ISysfs>(new Sysfs(options.SysfsRoot));
        services.AddSingleton<SriovTopology>();
        services.AddSingleton<IEswitchModeReader>(new DevlinkEswitchModeReader());
        services.AddSingleton<IVfMacSetter, NetlinkVfMacSetter>();
        services.AddSingleton<SriovInterfaceConfigurator>();
        services.AddSingleton<SriovPodAttachments>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<HwOffloadSetup>(sp, ovs));
        return services;
    }
}
