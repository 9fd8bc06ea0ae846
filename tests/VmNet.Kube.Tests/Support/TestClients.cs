using VmNet.Kube.Config;

namespace VmNet.Kube.Tests.Support;

public static class TestClients
{
    /// <summary>Retries fast so error-path tests do not wait on production backoff.</summary>
    public static KubeClientOptions FastRetries { get; } = new()
    {
        MaxRetryAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public static KubeClient For(StubApiServer server, KubeClientOptions? options = null) =>
        new(new KubeConfig(server.Address), options ?? FastRetries);
}
