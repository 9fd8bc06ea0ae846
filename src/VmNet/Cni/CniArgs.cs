namespace VmNet.Cni;

/// <summary>
/// The <c>CNI_ARGS</c> environment variable: <c>KEY=VALUE</c> pairs separated by <c>;</c>
/// (kubelet sets <c>K8S_POD_NAMESPACE</c>, <c>K8S_POD_NAME</c>, <c>K8S_POD_INFRA_CONTAINER_ID</c>, <c>K8S_POD_UID</c>).
/// </summary>
public sealed class CniArgs
{
    private CniArgs(IReadOnlyDictionary<string, string> values) => Values = values;

    public static CniArgs Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public IReadOnlyDictionary<string, string> Values { get; }

    public string? PodNamespace => Get("K8S_POD_NAMESPACE");

    public string? PodName => Get("K8S_POD_NAME");

    public string? PodInfraContainerId => Get("K8S_POD_INFRA_CONTAINER_ID");

    public string? PodUid => Get("K8S_POD_UID");

    /// <summary>SR-IOV VF PCI address, for runtimes that pass it as an argument.</summary>
    public string? DeviceId => Get("deviceID");

    public string? Get(string key) => Values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    /// <summary>Parses CNI_ARGS; a pair without '=' or with an empty key is CNI code 4 naming the pair.</summary>
    public static CniArgs Parse(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return Empty;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in raw.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CniException(
                    CniErrorCodes.InvalidEnvironmentVariables,
                    $"CNI_ARGS entry \"{pair}\" is not KEY=VALUE (CNI_ARGS=\"{raw}\")");
            }

            // Last one wins, as in libcni's LoadArgs.
            values[pair[..eq]] = pair[(eq + 1)..];
        }

        return new CniArgs(values);
    }
}
