using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Rig;

/// <summary>
/// Kube-OVN's default logical topology built with ovn-nbctl: router ovn-cluster, switch ovn-default
/// (10.16.0.0/16) joined by the router port pair Kube-OVN names ovn-cluster-ovn-default / ovn-default-ovn-cluster.
/// </summary>
public static class KubeOvnTopology
{
    public const string Router = "ovn-cluster";
    public const string Switch = "ovn-default";
    public const string RouterPort = "ovn-cluster-ovn-default";
    public const string SwitchRouterPort = "ovn-default-ovn-cluster";
    public const string GatewayMac = "0a:00:00:10:00:01";
    public const string Gateway = "10.16.0.1";
    public const string Cidr = "10.16.0.0/16";

    public static Task CreateAsync(OvnCentral central, CancellationToken cancellationToken = default) =>
        central.NbctlAsync(
            [
                "lr-add", Router,
                "--", "ls-add", Switch, "--", "set", "Logical_Switch", Switch, "other_config:subnet=" + Cidr,
                "--", "lrp-add", Router, RouterPort, GatewayMac, Gateway + "/16",
                "--", "lsp-add", Switch, SwitchRouterPort,
                "--", "lsp-set-type", SwitchRouterPort, "router",
                "--", "lsp-set-addresses", SwitchRouterPort, "router",
                "--", "lsp-set-options", SwitchRouterPort, "router-port=" + RouterPort,
            ],
            cancellationToken);

    public static Task AddPortAsync(OvnCentral central, string lsp, string mac, string ip, CancellationToken cancellationToken = default) =>
        central.NbctlAsync(["lsp-add", Switch, lsp, "--", "lsp-set-addresses", lsp, mac + " " + ip], cancellationToken);
}
