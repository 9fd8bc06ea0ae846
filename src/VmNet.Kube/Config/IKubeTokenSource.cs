namespace VmNet.Kube.Config;

/// <summary>Supplies the bearer token for each request, so rotated tokens are picked up without a restart.</summary>
public interface IKubeTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>A token that never changes (kubeconfig <c>token</c>).</summary>
public sealed class StaticTokenSource(string token) : IKubeTokenSource
{
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
}
