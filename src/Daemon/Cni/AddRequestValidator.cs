using VmNet.Cni;

namespace VmNet.Daemon.Cni;

/// <summary>Checks a request before anything is touched; every failure names the field and value.</summary>
public static class AddRequestValidator
{
    public static void Validate(DaemonRequest request, bool needsNetns)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!CniVersions.IsSupported(request.CniVersion))
        {
            throw CniFailure.BadRequest(CniErrorCodes.IncompatibleVersion, $"cni_version '{request.CniVersion}' is not supported (supported: {CniVersions.SupportedList})");
        }

        if (string.IsNullOrEmpty(request.ContainerId))
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidEnvironmentVariables, "container_id (CNI_CONTAINERID) is required");
        }

        if (string.IsNullOrEmpty(request.IfName) || request.IfName.Length > 15 || request.IfName.Contains('/', StringComparison.Ordinal))
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidEnvironmentVariables, $"if_name (CNI_IFNAME) '{request.IfName}' is not an interface name of 1-15 characters");
        }

        if (needsNetns && string.IsNullOrEmpty(request.NetNs))
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidEnvironmentVariables, "net_ns (CNI_NETNS) is required");
        }

        if (string.IsNullOrEmpty(request.PodName) || string.IsNullOrEmpty(request.PodNamespace))
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidNetworkConfig, "pod_name and pod_namespace (K8S_POD_NAME, K8S_POD_NAMESPACE in CNI_ARGS) are required");
        }
    }
}
