using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace VmNet.ApiServer.Tests;

public class ControlsTests
{
    private const string Cm = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task ThrottledRequestsGet429WithRetryAfterThenSucceed()
    {
        await using var f = await ServerFixture.StartAsync();
        f.Server.Controls.ThrottleNextRequests(2, retryAfterSeconds: 3);
        for (var i = 0; i < 2; i++)
        {
            using var response = await f.Http.GetAsync(Cm);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
            var (_, status) = (response.StatusCode, System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
            Assert.Equal("TooManyRequests", (string?)status["reason"]);
            Assert.Equal(3, (int?)status["details"]!["retryAfterSeconds"]);
        }

        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync(Cm)).Code);
    }

    [Fact]
    public async Task FaultsCanTargetOneVerbAndResource()
    {
        await using var f = await ServerFixture.StartAsync();
        f.Server.Controls.FailNextRequests(1, 500, match: r => r.Verb == "create" && r.Resource == "configmaps");
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync(Cm)).Code);
        var (code, status) = await f.PostAsync(Cm, ServerFixture.ConfigMap("c"));
        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Equal("InternalError", (string?)status["reason"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync(Cm + "/c")).Code);
        Assert.Equal(HttpStatusCode.Created, (await f.PostAsync(Cm, ServerFixture.ConfigMap("c"))).Code);
    }

    [Fact]
    public async Task DelayedRequestsAreHeldBeforeBeingServed()
    {
        await using var f = await ServerFixture.StartAsync();
        f.Server.Controls.DelayNextRequests(1, TimeSpan.FromMilliseconds(500), r => r.Verb == "list");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync(Cm)).Code);
        Assert.True(clock.ElapsedMilliseconds >= 450, $"first list took {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        await f.GetAsync(Cm);
        Assert.True(clock.ElapsedMilliseconds < 450, $"second list took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task RequestCountersCountPerVerbAndResource()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Cm, ServerFixture.ConfigMap("c"));
        await f.GetAsync(Cm);
        await f.GetAsync(Cm);
        await f.GetAsync(Cm + "/c");
        await f.CreateAsync("/api/v1/namespaces/default/pods", ServerFixture.Pod("p"));
        await f.PutAsync("/api/v1/namespaces/default/pods/p/status", (await f.GetAsync("/api/v1/namespaces/default/pods/p")).Body);
        await using (var watch = await WatchClient.OpenAsync(f.Http, Cm + "?watch=1"))
        {
            await watch.NextAsync();
        }

        var controls = f.Server.Controls;
        Assert.Equal(1, controls.RequestCount("create", "configmaps"));
        Assert.Equal(2, controls.RequestCount("list", "configmaps"));
        Assert.Equal(1, controls.RequestCount("get", "configmaps"));
        Assert.Equal(1, controls.RequestCount("watch", "configmaps"));
        Assert.Equal(1, controls.RequestCount("update", "pods/status"));
        controls.ResetCounters();
        Assert.Equal(0, controls.TotalRequests);
    }

    [Fact]
    public async Task RestartKeepsObjectsPortAndWatchHistory()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync(Cm, ServerFixture.ConfigMap("kept"));
        var address = f.Server.BaseAddress;
        await using var watch = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={ServerFixture.Rv(created)}");

        await f.Server.RestartAsync();
        Assert.True(await watch.EndsWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(address, f.Server.BaseAddress);
        var (code, got) = await f.GetAsync(Cm + "/kept");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(ServerFixture.Uid(created), ServerFixture.Uid(got));

        await f.CreateAsync(Cm, ServerFixture.ConfigMap("after-restart"));
        await using var resumed = await WatchClient.OpenAsync(f.Http, $"{Cm}?watch=1&resourceVersion={ServerFixture.Rv(created)}");
        Assert.Equal("after-restart", WatchClient.Name((await resumed.NextAsync())!));
    }

    [Fact]
    public async Task StoppedServerRefusesConnections()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.Server.StopAsync();
        Assert.False(f.Server.IsRunning);
        await Assert.ThrowsAsync<HttpRequestException>(() => f.Http.GetAsync("/version"));
    }

    [Fact]
    public async Task HttpsWithBearerTokenRejectsMissingOrWrongTokens()
    {
        await using var f = await ServerFixture.StartAsync(new ApiServerOptions { UseHttps = true, BearerToken = "s3cret" });
        Assert.Equal("https", f.Server.BaseAddress.Scheme);
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync("/api/v1/namespaces")).Code);

        using var anonymous = f.Server.CreateHttpClient();
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        using var response = await anonymous.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        using var unauthenticated = f.Server.CreateHttpClient();
        unauthenticated.DefaultRequestHeaders.Authorization = null;
        Assert.Equal("ok", await unauthenticated.GetStringAsync("/healthz"));
        using var noToken = await unauthenticated.GetAsync("/api");
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        try
        {
            var text = File.ReadAllText(f.Server.WriteKubeconfig(kubeconfig));
            Assert.Contains("server: " + f.Server.BaseAddress.ToString().TrimEnd('/'), text, StringComparison.Ordinal);
            Assert.Contains("certificate-authority-data: ", text, StringComparison.Ordinal);
            Assert.Contains("token: s3cret", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task StoreResourceVersionMatchesHttpView()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync(Cm, ServerFixture.ConfigMap("c"));
        Assert.Equal(ServerFixture.Rv(created), f.Server.Store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture));
    }
}
