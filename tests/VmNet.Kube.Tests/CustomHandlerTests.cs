using System.Net;
using System.Text;
using VmNet.Kube.Config;
using VmNet.Kube.Models;

namespace VmNet.Kube.Tests;

public class CustomHandlerTests
{
    private sealed class InMemoryHandler : HttpMessageHandler
    {
        public List<string> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add($"{request.Method} {request.RequestUri} {request.Headers.Authorization}");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.0.0/24"}}""", Encoding.UTF8, "application/json"),
            });
        }
    }

    [Fact]
    public async Task RequestsGoThroughTheGivenHandlerWithAuthentication()
    {
        var handler = new InMemoryHandler();
        var config = new KubeConfig(new Uri("https://apiserver.invalid:6443")) { TokenSource = new StaticTokenSource("t0k") };
        using var client = new KubeClient(config, handler);

        var node = await client.GetAsync<V1Node>(null, "n1");

        Assert.Equal("10.244.0.0/24", node.Spec!.PodCIDR);
        Assert.Equal(["GET https://apiserver.invalid:6443/api/v1/nodes/n1 Bearer t0k"], handler.Seen);
    }
}
