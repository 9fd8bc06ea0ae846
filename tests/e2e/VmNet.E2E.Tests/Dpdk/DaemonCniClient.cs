using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using VmNet.Cni;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// What the CNI binary does, minus the process: netconf + CNI_* environment through our CniInvocationBuilder
/// (the same code the binary runs, vhost_user_* keys included), then the daemon's HTTP-over-unix-socket API.
/// </summary>
public static class DaemonCniClient
{
    public static async Task<DaemonResponse> CallAsync(string command, string socket, string netconf, string containerId, string netns, string ifName, string podName, CancellationToken cancellationToken)
    {
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = ifName,
            ["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={podName}",
            ["CNI_PATH"] = "/opt/cni/bin",
        };
        var environment = CniEnvironment.From(k => env.GetValueOrDefault(k));
        var invocation = CniInvocationBuilder.Build(environment.ParseCommand(), environment, NetConfParser.Parse(Encoding.UTF8.GetBytes(netconf)));
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(90) };
        using var response = await http.PostAsJsonAsync(
            "http://daemon" + DaemonProtocol.PathOf(invocation.Command), invocation.Request, CniJsonContext.Default.DaemonRequest, cancellationToken);
        if (response.Content.Headers.ContentLength == 0)
        {
            return new DaemonResponse();
        }

        return await response.Content.ReadFromJsonAsync(CniJsonContext.Default.DaemonResponse, cancellationToken) ?? new DaemonResponse();
    }

    public static string VhostUserNetConf(string socket, string? volume, string? socketName) =>
        $$"""{"cniVersion":"1.1.0","name":"dpdk","type":"kube-ovn","server_socket":"{{socket}}"{{(volume is null ? "" : $",\"vhost_user_socket_volume_name\":\"{volume}\"")}}{{(socketName is null ? "" : $",\"vhost_user_socket_name\":\"{socketName}\"")}}}""";
}
