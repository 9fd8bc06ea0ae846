using System.Globalization;
using VmNet.Cni;

namespace VmNet.Daemon;

/// <summary>Command line of vmnet-daemon: <c>--name value</c> pairs; unknown or malformed options are errors naming them.</summary>
public static class DaemonOptionsParser
{
    public const string Usage = """
        vmnet-daemon --node-name NODE [options]
          --kubeconfig PATH          kubeconfig (default: in-cluster service account)
          --ovs-db REMOTE            node OVSDB (default unix:/var/run/openvswitch/db.sock)
          --ovn-remote REMOTE        OVN Southbound remote written to external_ids:ovn-remote
          --sb-status-remote REMOTE  Southbound remote the daemon itself reads for STATUS (default --ovn-remote)
          --encap-type geneve|vxlan  tunnel type (default geneve)
          --encap-ip IP              tunnel endpoint address (ovn-encap-ip)
          --system-id ID             OVS system-id / chassis name (default: existing, else node name)
          --socket PATH              CNI socket (default /run/vmnet/daemon.sock)
          --also-listen PATHS        further CNI sockets, comma separated; "" for none (default: Kube-OVN's
                                     /run/openvswitch/kube-ovn-daemon.sock when --socket is not given, so NADs
                                     written for Kube-OVN work unchanged)
          --annotation-timeout SEC   how long ADD waits for the controller's pod annotations (default 20)
          --node-mtu N               MTU of the tunnel NIC (default 1500); pod MTU = N - tunnel overhead
          --pod-mtu N                explicit pod MTU
          --host-netns NETNS         namespace of the node's host side (simulated nodes)
          --datapath-type system|netdev  br-int datapath (default system)
          --bridge NAME              integration bridge (default br-int)
          --cluster-router NAME      default VPC, as given to the controller (default ovn-cluster)
          --pre-plug true|false      plug each allocated pod's port before its ADD (default true; README "Pre-plugging")
          --pre-plug-max-age SECONDS  remove a pre-plugged port whose pod got no ADD this long after its creation (default 600)
          --hw-offload true|false    OVS hardware offload with SR-IOV switchdev VFs (default: env HW_OFFLOAD, else false)
          --sysfs-root PATH          sysfs mount (default /sys)
          --kubelet-pods DIR         kubelet pods directory (default /var/lib/kubelet/pods; vhost-user volumes)
          --pmd-maxsleep US          PMD sleep bound on OVS-DPDK nodes, 0..10000 us (default 1000; 0 busy-polls a core)
          --vhost-user-share DIR     short directory OVS opens vhost-user sockets through (default /run/openvswitch/vhost_sockets)
        """;

    public static DaemonOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new DaemonOptionsException($"argument '{name}' is not an option followed by a value");
            }

            values[name[2..]] = args[++i];
        }

        string? Take(string key) => values.Remove(key, out var v) ? v : null;
        var nodeName = Take("node-name") ?? Environment.GetEnvironmentVariable("KUBE_NODE_NAME")
            ?? throw new DaemonOptionsException("--node-name (or KUBE_NODE_NAME) is required");
        var defaults = new DaemonOptions { NodeName = nodeName };
        var socket = Take("socket");
        // The Kube-OVN path is a node-global name: only a daemon on the default socket (a real node) claims it,
        // never one started for a simulated node with its own --socket.
        var alsoListen = Take("also-listen") ?? (socket is null ? DaemonProtocol.KubeOvnSocketPath : "");
        var options = defaults with
        {
            Kubeconfig = Take("kubeconfig"),
            OvsDatabase = Take("ovs-db") ?? defaults.OvsDatabase,
            SouthboundRemote = Take("ovn-remote"),
            SouthboundStatusRemote = Take("sb-status-remote"),
            EncapType = Take("encap-type") ?? defaults.EncapType,
            EncapIp = Take("encap-ip"),
            SystemId = Take("system-id"),
            SocketPath = socket ?? defaults.SocketPath,
            AdditionalSocketPaths = alsoListen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            AnnotationTimeout = Seconds(Take("annotation-timeout"), "annotation-timeout") ?? defaults.AnnotationTimeout,
            NodeMtu = Int(Take("node-mtu"), "node-mtu") ?? defaults.NodeMtu,
            PodMtu = Int(Take("pod-mtu"), "pod-mtu"),
            HostNetns = Take("host-netns"),
            HoldingNetns = Take("holding-netns"),
            DatapathType = Take("datapath-type") ?? defaults.DatapathType,
            IntegrationBridge = Take("bridge") ?? defaults.IntegrationBridge,
            ClusterRouter = Take("cluster-router") ?? defaults.ClusterRouter,
            PrePlug = Take("pre-plug") is { } prePlug ? Bool(prePlug, "pre-plug") : defaults.PrePlug,
            PrePlugMaxAge = Seconds(Take("pre-plug-max-age"), "pre-plug-max-age") ?? defaults.PrePlugMaxAge,
            HwOffload = Bool(Take("hw-offload") ?? Environment.GetEnvironmentVariable("HW_OFFLOAD"), "hw-offload"),
            SysfsRoot = Take("sysfs-root") ?? defaults.SysfsRoot,
            KubeletPodsDirectory = Take("kubelet-pods") ?? defaults.KubeletPodsDirectory,
            VhostUserShareRoot = Take("vhost-user-share") ?? defaults.VhostUserShareRoot,
            PmdMaxSleepMicros = Int(Take("pmd-maxsleep"), "pmd-maxsleep") ?? defaults.PmdMaxSleepMicros,
        };
        if (values.Count > 0)
        {
            throw new DaemonOptionsException($"unknown option --{values.Keys.First()}");
        }

        if (options.EncapType is not ("geneve" or "vxlan"))
        {
            throw new DaemonOptionsException($"--encap-type '{options.EncapType}' is not geneve or vxlan");
        }

        if (options.PmdMaxSleepMicros is < 0 or > VmNet.Dpdk.DpdkSettings.MaxPmdSleepMicros)
        {
            throw new DaemonOptionsException($"--pmd-maxsleep {options.PmdMaxSleepMicros} is outside 0..{VmNet.Dpdk.DpdkSettings.MaxPmdSleepMicros} us");
        }

        if (options.PrePlugMaxAge <= TimeSpan.Zero)
        {
            throw new DaemonOptionsException($"--pre-plug-max-age {options.PrePlugMaxAge.TotalSeconds} must be a positive number of seconds");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterRouter))
        {
            throw new DaemonOptionsException($"--cluster-router '{options.ClusterRouter}' must name the default VPC");
        }

        if (options.DatapathType is not ("system" or "netdev"))
        {
            throw new DaemonOptionsException($"--datapath-type '{options.DatapathType}' is not system or netdev");
        }

        ValidateSocketPath("socket", options.SocketPath);
        foreach (var path in options.AdditionalSocketPaths)
        {
            ValidateSocketPath("also-listen", path);
        }

        if (options.AnnotationTimeout <= TimeSpan.Zero)
        {
            throw new DaemonOptionsException($"--annotation-timeout {options.AnnotationTimeout.TotalSeconds} is not a positive number of seconds");
        }

        if (options.EffectivePodMtu is < 68 or > 65535)
        {
            throw new DaemonOptionsException($"pod MTU {options.EffectivePodMtu} (from --node-mtu {options.NodeMtu}, --pod-mtu {options.PodMtu}) is outside 68-65535");
        }

        return options;
    }

    private static void ValidateSocketPath(string option, string path)
    {
        if (!Path.IsPathRooted(path) || System.Text.Encoding.UTF8.GetByteCount(path) > DaemonProtocol.MaxSocketPathBytes)
        {
            throw new DaemonOptionsException($"--{option} '{path}' is not an absolute path of at most {DaemonProtocol.MaxSocketPathBytes} bytes");
        }
    }

    private static TimeSpan? Seconds(string? value, string name) =>
        Int(value, name) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

    private static int? Int(string? value, string name) =>
        value is null ? null
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw new DaemonOptionsException($"--{name} '{value}' is not a whole number");

    private static bool Bool(string? value, string name) =>
        value is null or "" ? false
        : bool.TryParse(value, out var b) ? b
        : throw new DaemonOptionsException($"--{name} '{value}' is not true or false");
}

/// <summary>A command-line option is missing or malformed.</summary>
public sealed class DaemonOptionsException(string message) : ArgumentException(message);
