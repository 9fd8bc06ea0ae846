namespace VmNet.Cni;

/// <summary>
/// Turns env + netconf into a <see cref="CniInvocation"/>, rejecting bad input with the spec's
/// error codes and a message naming the field and value. Netconf semantics follow Kube-OVN:
/// <c>type</c> "kube-ovn" (or "vmnet") is the main plugin; any other type with <c>ipam.type</c>
/// ours is IPAM-only use, where socket/provider/routes come from the ipam block.
/// </summary>
public static class CniInvocationBuilder
{
    public static readonly IReadOnlyList<string> PluginTypes = ["vmnet", "kube-ovn"];

    public static CniInvocation Build(CniCommand command, CniEnvironment env, NetConf conf)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(conf);
        var version = CheckVersion(command, conf.CniVersion);
        env.Validate(command);
        var args = CniArgs.Parse(env.Args);

        if (string.IsNullOrEmpty(conf.Name))
        {
            throw Invalid("network configuration has no \"name\"");
        }

        var ipamOnly = ResolveMode(conf);
        var socket = ResolveSocket(conf, ipamOnly);
        var timeout = ResolveTimeout(command, conf.DaemonTimeoutSeconds);

        if (command == CniCommand.Add && (args.PodName is null || args.PodNamespace is null))
        {
            var missing = args.PodName is null ? "K8S_POD_NAME" : "K8S_POD_NAMESPACE";
            throw new CniException(
                CniErrorCodes.InvalidEnvironmentVariables,
                $"CNI_ARGS has no {missing} (CNI_ARGS=\"{env.Args}\"); it is required for ADD");
        }

        if (conf.Mtu is { } mtu && (mtu < 68 || mtu > 65535))
        {
            throw Invalid($"mtu {mtu} is out of range 68-65535");
        }

        var request = new DaemonRequest
        {
            CniVersion = version,
            CniType = conf.Type!,
            IpamOnly = ipamOnly,
            NetworkName = conf.Name,
            ContainerId = env.ContainerId ?? "",
            NetNs = env.NetNs ?? "",
            IfName = env.IfName ?? "",
            PodName = args.PodName ?? "",
            PodNamespace = args.PodNamespace ?? "",
            PodUid = args.PodUid ?? "",
            InfraContainerId = args.PodInfraContainerId ?? "",
            Provider = ResolveProvider(conf, ipamOnly),
            Mtu = conf.Mtu,
            Routes = ResolveRoutes(conf, ipamOnly),
            Dns = conf.Dns is { IsEmpty: false } ? conf.Dns : null,
            DeviceId = ResolveDeviceId(conf, args),
            VfDriver = NullIfEmpty(conf.VfDriver),
            Mac = NullIfEmpty(conf.RuntimeConfig?.Mac) ?? args.Get("MAC"),
            Ips = ResolveIps(conf, args),
            RuntimeConfig = conf.RuntimeConfig?.Extra is { Count: > 0 } extra ? extra : null,
            Args = conf.Args,
            CniArgs = args.Values.Count > 0 ? new Dictionary<string, string>(args.Values, StringComparer.Ordinal) : null,
            ValidAttachments = command == CniCommand.Gc ? conf.ValidAttachments ?? [] : null,
        };
        ResolveVhostUser(conf, request);

        var prev = ParsePrevResult(command, conf, version);
        request.PrevResult = prev;
        var fallback = socket == DaemonProtocol.KubeOvnSocketPath ? DaemonProtocol.DefaultSocketPath : null;
        return new CniInvocation(command, version, socket, timeout, request, prev, fallback);
    }

    /// <summary>The version a failure should be reported in: the requested one if we speak it.</summary>
    public static string ErrorVersionFor(string? requested) =>
        CniVersions.IsSupported(requested) ? requested! : CniVersions.Current;

    private static string CheckVersion(CniCommand command, string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            throw new CniException(
                CniErrorCodes.IncompatibleVersion,
                $"network configuration has no \"cniVersion\"; supported versions: {CniVersions.SupportedList}");
        }

        if (!CniVersions.IsSupported(version))
        {
            throw new CniException(
                CniErrorCodes.IncompatibleVersion,
                $"cniVersion \"{version}\" is not supported; supported versions: {CniVersions.SupportedList}");
        }

        if (command == CniCommand.Check && !CniVersions.AllowsCheck(version))
        {
            throw new CniException(CniErrorCodes.IncompatibleVersion, $"cniVersion \"{version}\" does not allow CHECK (needs 0.4.0 or later)");
        }

        if (command is CniCommand.Status or CniCommand.Gc && !CniVersions.AllowsStatusAndGc(version))
        {
            throw new CniException(
                CniErrorCodes.IncompatibleVersion,
                $"cniVersion \"{version}\" does not allow {(command == CniCommand.Status ? "STATUS" : "GC")} (needs 1.1.0 or later)");
        }

        return version;
    }

    // DEL must not fail because of a cached result it does not need: teardown has to be possible
    // even after a bad ADD, so a broken prevResult is dropped on DEL and rejected elsewhere.
    private static CniResult? ParsePrevResult(CniCommand command, NetConf conf, string version)
    {
        if (conf.PrevResult is not { } element || element.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return CniResultParser.Parse(element, version);
        }
        catch (CniException) when (command == CniCommand.Del)
        {
            return null;
        }
    }

    private static bool ResolveMode(NetConf conf)
    {
        if (string.IsNullOrEmpty(conf.Type))
        {
            throw Invalid("network configuration has no \"type\"");
        }

        var ipamType = conf.Ipam?.Type;
        if (IsOurs(conf.Type))
        {
            if (!string.IsNullOrEmpty(ipamType) && !IsOurs(ipamType))
            {
                throw new CniException(
                    CniErrorCodes.UnsupportedField,
                    $"ipam.type \"{ipamType}\" is not supported with type \"{conf.Type}\": VmNet allocates addresses itself (omit ipam or use \"kube-ovn\")");
            }

            return false;
        }

        if (IsOurs(ipamType))
        {
            return true;
        }

        throw Invalid(
            $"type \"{conf.Type}\"{(string.IsNullOrEmpty(ipamType) ? "" : $" with ipam.type \"{ipamType}\"")} is not served by this plugin (expected type or ipam.type \"vmnet\" or \"kube-ovn\")");
    }

    private static bool IsOurs(string? type) => type is not null && PluginTypes.Contains(type, StringComparer.Ordinal);

    private static string ResolveSocket(NetConf conf, bool ipamOnly)
    {
        var field = ipamOnly && !string.IsNullOrEmpty(conf.Ipam?.ServerSocket) ? "ipam.server_socket" : "server_socket";
        var socket = (ipamOnly ? NullIfEmpty(conf.Ipam?.ServerSocket) : null) ?? NullIfEmpty(conf.ServerSocket) ?? DaemonProtocol.DefaultSocketPath;
        if (!socket.StartsWith('/'))
        {
            throw Invalid($"{field} \"{socket}\" is not an absolute path");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(socket) > DaemonProtocol.MaxSocketPathBytes)
        {
            throw Invalid($"{field} \"{socket}\" is longer than {DaemonProtocol.MaxSocketPathBytes} bytes (unix socket path limit)");
        }

        return socket;
    }

    private static TimeSpan ResolveTimeout(CniCommand command, double? seconds)
    {
        if (seconds is null)
        {
            return DaemonProtocol.DefaultTimeout(command);
        }

        if (double.IsNaN(seconds.Value) || seconds.Value <= 0 || seconds.Value > DaemonProtocol.MaxTimeout.TotalSeconds)
        {
            throw Invalid($"daemon_timeout_seconds {seconds.Value} is out of range (0, {DaemonProtocol.MaxTimeout.TotalSeconds}]");
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }

    // Kube-OVN: empty provider means the default network, "ovn".
    private static string ResolveProvider(NetConf conf, bool ipamOnly) =>
        (ipamOnly ? NullIfEmpty(conf.Ipam?.Provider) : null) ?? NullIfEmpty(conf.Provider) ?? "ovn";

    private static List<NetConfRoute>? ResolveRoutes(NetConf conf, bool ipamOnly)
    {
        var routes = new List<NetConfRoute>();
        var sources = ipamOnly
            ? new[] { ("ipam.routes", conf.Ipam?.Routes), ("routes", conf.Routes) }
            : new[] { ("routes", conf.Routes), ("ipam.routes", conf.Ipam?.Routes) };
        foreach (var (field, list) in sources)
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var route = list![i];
                if (!CidrText.IsValid(route.Dst))
                {
                    throw Invalid($"{field}[{i}].dst \"{route.Dst}\" is not a CIDR");
                }

                if (!string.IsNullOrEmpty(route.Gw) && !System.Net.IPAddress.TryParse(route.Gw, out _))
                {
                    throw Invalid($"{field}[{i}].gw \"{route.Gw}\" is not an IP address");
                }

                routes.Add(route);
            }
        }

        return routes.Count > 0 ? routes : null;
    }

    private static string? ResolveDeviceId(NetConf conf, CniArgs args)
    {
        var (field, value) = !string.IsNullOrEmpty(conf.DeviceId) ? ("deviceID", conf.DeviceId)
            : !string.IsNullOrEmpty(conf.RuntimeConfig?.DeviceId) ? ("runtimeConfig.deviceID", conf.RuntimeConfig.DeviceId)
            : args.DeviceId is { } fromArgs ? ("CNI_ARGS deviceID", fromArgs)
            : ("", null);
        if (value is not null && !PciAddress.IsValid(value))
        {
            throw Invalid($"{field} \"{value}\" is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:03:00.1)");
        }

        return value;
    }

    private static List<string>? ResolveIps(NetConf conf, CniArgs args)
    {
        var ips = conf.RuntimeConfig?.Ips is { Count: > 0 } fromRuntime
            ? fromRuntime
            : args.Get("IP") is { } fromArgs ? [.. fromArgs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : null;
        foreach (var ip in ips ?? [])
        {
            if (!CidrText.IsValid(ip) && !System.Net.IPAddress.TryParse(ip, out _))
            {
                throw Invalid($"requested IP \"{ip}\" (runtimeConfig.ips or CNI_ARGS IP) is not an address or CIDR");
            }
        }

        return ips;
    }

    private static void ResolveVhostUser(NetConf conf, DaemonRequest request)
    {
        request.VhostUserSocketVolumeName = NullIfEmpty(conf.VhostUserSocketVolumeName);
        request.VhostUserSocketName = NullIfEmpty(conf.VhostUserSocketName);
        request.VhostUserSocketConsumption = NullIfEmpty(conf.VhostUserSocketConsumption);
        if (request.VhostUserSocketConsumption is { } consumption && consumption != "kubevirt")
        {
            throw new CniException(
                CniErrorCodes.UnsupportedField,
                $"vhost_user_socket_consumption \"{consumption}\" is not supported (only \"kubevirt\")");
        }

        // KubeVirt consumption names the socket after the interface; otherwise both names are needed.
        if (request.VhostUserSocketConsumption is null
            && (request.VhostUserSocketVolumeName is null) != (request.VhostUserSocketName is null))
        {
            throw Invalid(request.VhostUserSocketVolumeName is null
                ? $"vhost_user_socket_name \"{request.VhostUserSocketName}\" is set but vhost_user_socket_volume_name is missing"
                : $"vhost_user_socket_volume_name \"{request.VhostUserSocketVolumeName}\" is set but vhost_user_socket_name is missing");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static CniException Invalid(string message) => new(CniErrorCodes.InvalidNetworkConfig, message);
}
