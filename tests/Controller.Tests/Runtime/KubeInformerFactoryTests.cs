using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Runtime;

public class KubeInformerFactoryTests
{
    [Fact]
    public async Task ControllersAskingForTheSameResourceShareOneListAndOneWatch()
    {
        await using var api = await ApiServerHarness.StartAsync();
        await api.CreatePodAsync("default", "a");
        await using var factory = new SharedInformerFactory();
        var forIpam = factory.For<V1Pod>(api.Client);
        var forPolicy = factory.For<V1Pod>(api.Client);
        var inNamespace = factory.For<V1Pod>(api.Client, namespaceName: "default");
        var ipamKeys = new List<string>();
        var policyKeys = new List<string>();
        forIpam.AddEventHandler(ResourceEventHandler<V1Pod>.ForKeys(p => { lock (ipamKeys) { ipamKeys.Add(p.Metadata!.Name!); } }));
        forPolicy.AddEventHandler(ResourceEventHandler<V1Pod>.ForKeys(p => { lock (policyKeys) { policyKeys.Add(p.Metadata!.Name!); } }));

        Assert.Same(forIpam, forPolicy);
        Assert.NotSame(forIpam, inNamespace);
        using var cts = new CancellationTokenSource();
        factory.Start(cts.Token);
        await factory.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        await api.CreatePodAsync("default", "b");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Count(ipamKeys) < 2 || Count(policyKeys) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "handlers did not see both pods");
            await Task.Delay(10);
        }

        Assert.Equal(2, api.Server.Controls.RequestCount("list", "pods"));
        Assert.Equal(2, api.Server.Store.OpenWatchCount);
        Assert.Equal(2, factory.Count);
    }

    private static int Count(List<string> keys)
    {
        lock (keys)
        {
            return keys.Count;
        }
    }
}
