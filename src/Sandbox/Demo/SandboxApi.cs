using VmNet.ApiServer;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// The sandbox's Kubernetes API as the user sees it: the stack's in-process API server, a kubeconfig written to
/// the sandbox state directory, and kubectl run against it (the same way a user would).
/// </summary>
public sealed class SandboxApi
{
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(30);

    private SandboxApi(Uri baseAddress, string kubeconfig)
    {
        BaseAddress = baseAddress;
        Kubeconfig = kubeconfig;
    }

    public Uri BaseAddress { get; }

    public string Kubeconfig { get; }

    /// <summary>Writes the user's kubeconfig for <paramref name="server"/> to <paramref name="kubeconfig"/>.</summary>
    public static SandboxApi ForServer(KubeApiServer server, string kubeconfig)
    {
        ArgumentNullException.ThrowIfNull(server);
        Directory.CreateDirectory(Path.GetDirectoryName(kubeconfig)!);
        server.WriteKubeconfig(kubeconfig);
        return new SandboxApi(server.BaseAddress, kubeconfig);
    }

    /// <summary>kubectl --kubeconfig KUBECONFIG ARGS; throws with kubectl's stderr on failure.</summary>
    public Task<CommandResult> KubectlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        CommandRunner.RunCheckedAsync("kubectl", new[] { "--kubeconfig", Kubeconfig }.Concat(arguments), KubectlTimeout, cancellationToken: cancellationToken);
}
