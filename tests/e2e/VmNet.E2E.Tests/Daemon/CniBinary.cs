using VmNet.Sandbox.Stack;
using VmNet.TestSupport;

namespace VmNet.E2E.Daemon;

/// <summary>
/// The published CNI binary under its Kube-OVN name (artifacts/cni/kube-ovn, `make cni`), run exactly as kubelet
/// runs it through <see cref="CniPlugin"/>: environment plus netconf on stdin.
/// </summary>
public static class CniBinary
{
    public static string Path => System.IO.Path.Combine(TestPaths.RepoRoot, "artifacts", "cni", "kube-ovn");

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    public static async Task<Outcome> RunAsync(
        string command, string containerId, string? netns, string ifName, string podNamespace, string podName, string stdin, CancellationToken cancellationToken)
    {
        var invocation = new CniInvocation
        {
            Command = command,
            ContainerId = containerId,
            NetnsPath = netns,
            IfName = ifName,
            Args = new Dictionary<string, string>
            {
                ["K8S_POD_NAMESPACE"] = podNamespace,
                ["K8S_POD_NAME"] = podName,
                ["K8S_POD_INFRA_CONTAINER_ID"] = containerId,
            },
            NetConf = stdin,
        };
        var outcome = await new CniPlugin(Path).RunAsync(invocation, Timeout.InfiniteTimeSpan, cancellationToken);
        return new Outcome(outcome.ExitCode, outcome.Stdout, outcome.Stderr, outcome.Elapsed);
    }

    public static string NetConf(string socket, string cniVersion = "1.0.0") => CniPlugin.NetConf(socket, cniVersion);
}
