using System.Text.Json;
using VmNet.Cni;
using VmNet.E2E.Daemon;

namespace VmNet.E2E.Dpdk;

/// <summary>What the published CNI binary (artifacts/cni/kube-ovn, `make cni`) answered: the parsed result or error.</summary>
public sealed record CniCall(int ExitCode, CniResult? Result, CniError? Error, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}: {Stdout} {Stderr}";
}

/// <summary>
/// Runs the CNI binary exactly as kubelet/Multus do (CNI_* environment, the NAD's config on stdin), against the
/// daemon's socket named in the netconf.
/// </summary>
public static class DaemonCniClient
{
    public static async Task<CniCall> CallAsync(string command, string netconf, string containerId, string netns, string ifName, string podName, CancellationToken cancellationToken)
    {
        var outcome = await CniBinary.RunAsync(command, containerId, netns, ifName, "default", podName, netconf, cancellationToken);
        var stdout = outcome.Stdout.Trim();
        CniResult? result = null;
        CniError? error = null;
        if (stdout.Length > 0)
        {
            if (outcome.ExitCode == 0)
            {
                result = JsonSerializer.Deserialize(stdout, CniJsonContext.Default.CniResult);
            }
            else
            {
                error = JsonSerializer.Deserialize(stdout, CniJsonContext.Default.CniError);
            }
        }

        if (outcome.ExitCode != 0 && error is null)
        {
            error = new CniError { Code = -1, Msg = "CNI binary failed without an error object: " + outcome.Stderr };
        }

        return new CniCall(outcome.ExitCode, result, error, outcome.Stdout, outcome.Stderr);
    }

    /// <summary>A NAD config of our type with Kube-OVN's vhost-user keys (omitted when null).</summary>
    public static string VhostUserNetConf(string socket, string? volume, string? socketName, string provider, int mtu) =>
        $$"""{"cniVersion":"1.1.0","name":"dpdk","type":"kube-ovn","server_socket":"{{socket}}","provider":"{{provider}}","mtu":{{mtu}},"daemon_timeout_seconds":60{{(volume is null ? "" : $",\"vhost_user_socket_volume_name\":\"{volume}\"")}}{{(socketName is null ? "" : $",\"vhost_user_socket_name\":\"{socketName}\"")}}}""";
}
