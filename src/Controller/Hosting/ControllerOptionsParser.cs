using System.Globalization;

namespace VmNet.Controller.Hosting;

/// <summary>Thrown for an unknown flag or a flag value that does not parse; names the flag and the value.</summary>
public sealed class ControllerOptionsException(string flag, string value, string problem)
    : Exception($"{flag}: \"{value}\" {problem}")
{
    public string Flag { get; } = flag;

    public string Value { get; } = value;
}

/// <summary>
/// Parses kube-ovn-controller style command lines: <c>--flag=value</c> or <c>--flag value</c>; booleans
/// also as bare <c>--flag</c>. <c>POD_NAMESPACE</c>/<c>POD_NAME</c> come from the environment.
/// </summary>
public static class ControllerOptionsParser
{
    private static readonly Dictionary<string, Func<ControllerOptions, string, ControllerOptions>> Setters = new(StringComparer.Ordinal)
    {
        ["kubeconfig"] = (o, v) => o with { Kubeconfig = v },
        ["ovn-nb-addr"] = (o, v) => o with { NorthboundAddress = v },
        ["ovn-sb-addr"] = (o, v) => o with { SouthboundAddress = string.IsNullOrWhiteSpace(v) ? null : v.Trim() },
        ["cluster-router"] = (o, v) => o with { ClusterRouter = NonEmpty("cluster-router", v) },
        ["default-ls"] = (o, v) => o with { DefaultSubnet = NonEmpty("default-ls", v) },
        ["default-cidr"] = (o, v) => o with { DefaultCidr = NonEmpty("default-cidr", v) },
        ["default-gateway"] = (o, v) => o with { DefaultGateway = v },
        ["default-exclude-ips"] = (o, v) => o with { DefaultExcludeIps = v },
        ["node-switch"] = (o, v) => o with { NodeSwitch = NonEmpty("node-switch", v) },
        ["node-switch-cidr"] = (o, v) => o with { NodeSwitchCidr = NonEmpty("node-switch-cidr", v) },
        ["node-switch-gateway"] = (o, v) => o with { NodeSwitchGateway = v },
        ["service-cluster-ip-range"] = (o, v) => o with { ServiceClusterIpRange = v },
        ["network-type"] = (o, v) => o with { NetworkType = NetworkTypeOf(v) },
        ["keep-vm-ip"] = (o, v) => o with { KeepVmIp = Bool("keep-vm-ip", v) },
        ["enable-live-migration-optimize"] = (o, v) => o with { EnableLiveMigrationOptimize = Bool("enable-live-migration-optimize", v) },
        ["enable-lb"] = (o, v) => o with { EnableLb = Bool("enable-lb", v) },
        ["worker-num"] = (o, v) => o with { WorkerCount = Int("worker-num", v, min: 1) },
        ["gc-interval"] = (o, v) => o with { GcInterval = TimeSpan.FromSeconds(Int("gc-interval", v, min: 0)) },
        ["kubevirt-discovery-interval"] = (o, v) => o with { KubeVirtDiscoveryInterval = TimeSpan.FromSeconds(Int("kubevirt-discovery-interval", v, min: 1)) },
        ["lease-name"] = (o, v) => o with { LeaseName = NonEmpty("lease-name", v) },
        ["pod-namespace"] = (o, v) => o with { PodNamespace = NonEmpty("pod-namespace", v) },
        ["pod-name"] = (o, v) => o with { PodName = NonEmpty("pod-name", v) },
        ["disable-leader-election"] = (o, v) => o with { DisableLeaderElection = Bool("disable-leader-election", v) },
        ["log-level"] = (o, v) => o with { LogLevel = v },
    };

    private static readonly HashSet<string> BooleanFlags = new(StringComparer.Ordinal)
    {
        "keep-vm-ip", "enable-live-migration-optimize", "enable-lb", "disable-leader-election",
    };

    public static IReadOnlyCollection<string> KnownFlags => Setters.Keys;

    /// <summary>Parses <paramref name="args"/> over defaults taken from <paramref name="environment"/> (POD_NAMESPACE, POD_NAME).</summary>
    public static ControllerOptions Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        environment ??= Environment.GetEnvironmentVariable;
        var options = new ControllerOptions();
        if (environment("POD_NAMESPACE") is { Length: > 0 } ns)
        {
            options = options with { PodNamespace = ns };
        }

        if (environment("POD_NAME") is { Length: > 0 } pod)
        {
            options = options with { PodName = pod };
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                throw new ControllerOptionsException("argument", arg, "is not a flag (expected --name=value)");
            }

            var body = arg.TrimStart('-');
            string name;
            string value;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                name = body[..eq];
                value = body[(eq + 1)..];
            }
            else
            {
                name = body;
                if (BooleanFlags.Contains(name) && (i + 1 >= args.Count || args[i + 1].StartsWith('-')))
                {
                    value = "true";
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    throw new ControllerOptionsException("--" + name, "", "needs a value");
                }
            }

            if (!Setters.TryGetValue(name, out var set))
            {
                throw new ControllerOptionsException("--" + name, value, "is not a known flag");
            }

            options = set(options, value);
        }

        return options;
    }

    private static string NonEmpty(string flag, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ControllerOptionsException("--" + flag, value, "must not be empty") : value.Trim();

    private static bool Bool(string flag, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new ControllerOptionsException("--" + flag, value, "is not a boolean (true|false)"),
    };

    private static int Int(string flag, string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ControllerOptionsException("--" + flag, value, $"is not an integer >= {min}");

    private static string NetworkTypeOf(string value) => value switch
    {
        "geneve" or "vxlan" or "stt" or "vlan" => value,
        _ => throw new ControllerOptionsException("--network-type", value, "is not one of geneve, vxlan, stt, vlan"),
    };
}
