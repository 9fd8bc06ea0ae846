using System.Security.Cryptography;
using VmNet.ApiServer;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// The sandbox's Kubernetes API: the in-process API server over HTTPS with a bearer token, a kubeconfig for
/// the user, and kubectl run against it (the same way a user would).
/// </summary>
public sealed class SandboxApi : IAsyncDisposable
{
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(30);

    private SandboxApi(KubeApiServer server, string kubeconfig)
    {
        Server = server;
        Kubeconfig = kubeconfig;
    }

    public KubeApiServer Server { get; }

    public string Kubeconfig { get; }

    public static async Task<SandboxApi> StartAsync(string kubeconfig, CancellationToken cancellationToken)
    {
        var server = new KubeApiServer(new ApiServerOptions
        {
            UseHttps = true,
            BearerToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        });
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(Path.GetDirectoryName(kubeconfig)!);
            server.WriteKubeconfig(kubeconfig);
            return new SandboxApi(server, kubeconfig);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>kubectl --kubeconfig KUBECONFIG ARGS; throws with kubectl's stderr on failure.</summary>
    public Task<CommandResult> KubectlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        CommandRunner.RunCheckedAsync("kubectl", new[] { "--kubeconfig", Kubeconfig }.Concat(arguments), KubectlTimeout, cancellationToken: cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        File.Delete(Kubeconfig);
    }
}
