using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Kube.Tests.Support;

namespace VmNet.Kube.Tests;

public class ErrorTests
{
    public static TheoryData<int, string, Type> StatusCases => new()
    {
        { 401, "Unauthorized", typeof(KubeUnauthorizedException) },
        { 403, "Forbidden", typeof(KubeForbiddenException) },
        { 404, "NotFound", typeof(KubeNotFoundException) },
        { 409, "Conflict", typeof(KubeConflictException) },
        { 410, "Expired", typeof(KubeGoneException) },
        { 422, "Invalid", typeof(KubeApiException) },
    };

    [Theory]
    [MemberData(nameof(StatusCases))]
    public async Task ErrorStatusBecomesTypedExceptionWithReasonAndMessage(int code, string reason, Type expected)
    {
        var message = $"pods \\\"web-0\\\" {reason.ToLowerInvariant()} for this test";
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, code, reason, message));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAnyAsync<KubeApiException>(() => client.GetAsync<V1Pod>("default", "web-0"));

        Assert.IsType(expected, e);
        Assert.Equal(code, (int)e.StatusCode);
        Assert.Equal(reason, e.Reason);
        Assert.Equal(code, e.Status!.Code);
        Assert.Equal($"GET /api/v1/namespaces/default/pods/web-0 failed: HTTP {code} {reason}: pods \"web-0\" {reason.ToLowerInvariant()} for this test", e.Message);
        Assert.Single(server.Requests); // none of these is retried
    }

    [Fact]
    public async Task ConflictOnReplaceIsNeverRetried()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, 409, "Conflict",
            "Operation cannot be fulfilled on pods \\\"web-0\\\": the object has been modified; please apply your changes to the latest version and try again"));
        using var client = TestClients.For(server);
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "web-0", Namespace = "default", ResourceVersion = "1" } };

        var e = await Assert.ThrowsAsync<KubeConflictException>(() => client.ReplaceAsync(pod));

        Assert.False(e.AlreadyExists);
        Assert.Contains("the object has been modified", e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task AlreadyExistsIsAConflict()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, 409, "AlreadyExists", "ips.kubeovn.io \\\"vm1.ns\\\" already exists"));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeConflictException>(() => client.CreateAsync(new V1IP { Metadata = new V1ObjectMeta { Name = "vm1.ns" } }));

        Assert.True(e.AlreadyExists);
    }

    [Fact]
    public async Task TooManyRequestsIsRetriedHonouringRetryAfter()
    {
        var calls = 0;
        await using var server = await StubApiServer.StartAsync(ctx =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                ctx.Response.Headers.RetryAfter = "1";
                return Respond.Status(ctx, 429, "TooManyRequests", "too many requests, please try again later");
            }

            return Respond.Json(ctx, Respond.Pod("default", "web-0"));
        });
        // The backoff alone would wait milliseconds; only Retry-After explains a wait of a second.
        using var client = TestClients.For(server);

        var watch = Stopwatch.StartNew();
        var pod = await client.GetAsync<V1Pod>("default", "web-0");
        watch.Stop();

        Assert.Equal("web-0", pod.Metadata!.Name);
        Assert.Equal(2, server.Requests.Count);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TooManyRequestsIsRetriedEvenForCreate()
    {
        var calls = 0;
        await using var server = await StubApiServer.StartAsync(ctx =>
            Interlocked.Increment(ref calls) == 1
                ? Respond.Status(ctx, 429, "TooManyRequests", "slow down")
                : Respond.Json(ctx, """{"metadata":{"name":"vm1.ns"}}""", 201));
        using var client = TestClients.For(server);

        await client.CreateAsync(new V1IP { Metadata = new V1ObjectMeta { Name = "vm1.ns" } });

        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task TooManyRequestsAfterAllRetriesIsTyped()
    {
        await using var server = await StubApiServer.StartAsync(ctx =>
        {
            ctx.Response.Headers.RetryAfter = "0";
            return Respond.Status(ctx, 429, "TooManyRequests", "storage is (re)initializing");
        });
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeTooManyRequestsException>(() => client.GetAsync<V1Node>(null, "node1"));

        Assert.Equal("0", e.RetryAfter);
        Assert.Equal(1 + TestClients.FastRetries.MaxRetryAttempts, server.Requests.Count);
    }

    [Fact]
    public async Task ServerErrorIsRetriedForGetThenSucceeds()
    {
        var calls = 0;
        await using var server = await StubApiServer.StartAsync(ctx =>
            Interlocked.Increment(ref calls) <= 2
                ? Respond.Status(ctx, 500, "InternalError", "etcdserver: leader changed")
                : Respond.Json(ctx, Respond.Pod("default", "web-0")));
        using var client = TestClients.For(server);

        var pod = await client.GetAsync<V1Pod>("default", "web-0");

        Assert.Equal("web-0", pod.Metadata!.Name);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task ServerErrorAfterAllRetriesIsTyped()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, 503, "ServiceUnavailable", "the server is shutting down"));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeServerErrorException>(() => client.ListAsync<V1Pod>("default"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Contains("the server is shutting down", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task CreateIsNotRetriedOnAmbiguousServerError()
    {
        // The create may have been stored before the 500: repeating it could make a second object.
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, 500, "InternalError", "Timeout: request did not complete within requested timeout"));
        using var client = TestClients.For(server);

        await Assert.ThrowsAsync<KubeServerErrorException>(() => client.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { GenerateName = "p-", Namespace = "d" } }));

        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CreateIsRetriedOnServerErrorWithRetryAfter()
    {
        var calls = 0;
        await using var server = await StubApiServer.StartAsync(ctx =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                ctx.Response.Headers.RetryAfter = "0";
                return Respond.Status(ctx, 503, "ServiceUnavailable", "apiserver is starting");
            }

            return Respond.Json(ctx, Respond.Pod("d", "p-1"), 201);
        });
        using var client = TestClients.For(server);

        await client.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { GenerateName = "p-", Namespace = "d" } });

        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task JsonPatchIsNotRetriedButMergePatchIs()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Status(ctx, 502, "InternalError", "bad gateway"));
        using var client = TestClients.For(server);

        await Assert.ThrowsAsync<KubeServerErrorException>(() => client.PatchAsync<V1Pod>("d", "p", KubePatch.Json(JsonPatchOperation.Add("/metadata/finalizers/-", "x"))));
        Assert.Single(server.Requests);

        await Assert.ThrowsAsync<KubeServerErrorException>(() => client.PatchAsync<V1Pod>("d", "p", KubePatch.Merge("""{"metadata":{"labels":{"a":"b"}}}""")));
        Assert.Equal(1 + 4, server.Requests.Count);
    }

    [Fact]
    public async Task ConnectionResetIsAConnectionErrorAndGetIsRetried()
    {
        var calls = 0;
        await using var server = await StubApiServer.StartAsync(async ctx =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                ctx.Abort(); // RST mid-request, before any response byte
                return;
            }

            await Respond.Json(ctx, Respond.Pod("default", "web-0"));
        });
        using var client = TestClients.For(server);

        var pod = await client.GetAsync<V1Pod>("default", "web-0");

        Assert.Equal("web-0", pod.Metadata!.Name);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task ConnectionResetOnCreateIsReportedNotRetried()
    {
        await using var server = await StubApiServer.StartAsync(ctx =>
        {
            ctx.Abort();
            return Task.CompletedTask;
        });
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeConnectionException>(() => client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "n1" } }));

        Assert.True(e.RequestSent);
        Assert.Contains("POST", e.Message, StringComparison.Ordinal);
        Assert.Contains("/api/v1/namespaces", e.Message, StringComparison.Ordinal);
        Assert.Contains("after the request was sent", e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ConnectionRefusedIsRetriedThenReportedAsNotSent()
    {
        // A port that was just free: nothing listens there.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var client = new KubeClient(new KubeConfig(new Uri($"http://127.0.0.1:{port}/")), TestClients.FastRetries);

        var e = await Assert.ThrowsAsync<KubeConnectionException>(() => client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "n1" } }));

        Assert.False(e.RequestSent);
        Assert.Contains("could not connect", e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJsonIsAProtocolErrorShowingTheBody()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"metadata":{"name":"web-0","""));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeProtocolException>(() => client.GetAsync<V1Pod>("default", "web-0"));

        Assert.Contains("not valid JSON for V1Pod", e.Message, StringComparison.Ordinal);
        Assert.Contains("""{"metadata":{"name":"web-0",""", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongJsonTypeIsAProtocolError()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"metadata":{"name":"web-0","generation":"not-a-number"}}"""));
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeProtocolException>(() => client.GetAsync<V1Pod>("default", "web-0"));

        Assert.Contains("generation", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonStatusErrorBodyIsShownInTheMessage()
    {
        await using var server = await StubApiServer.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync("<html>404 page not found</html>");
        });
        using var client = TestClients.For(server);

        var e = await Assert.ThrowsAsync<KubeNotFoundException>(() => client.GetAsync<V1Pod>("default", "web-0"));

        Assert.Null(e.Reason);
        Assert.Contains("<html>404 page not found</html>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellationIsNotTurnedIntoAnError()
    {
        await using var server = await StubApiServer.StartAsync(async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted));
        using var client = TestClients.For(server);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync<V1Pod>("default", "web-0", cts.Token));
    }

    [Fact]
    public async Task AttemptTimeoutIsAConnectionError()
    {
        await using var server = await StubApiServer.StartAsync(async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted));
        using var client = TestClients.For(server, TestClients.FastRetries with { MaxRetryAttempts = 1, RequestTimeout = TimeSpan.FromSeconds(1) });

        var e = await Assert.ThrowsAsync<KubeConnectionException>(() => client.GetAsync<V1Pod>("default", "web-0"));

        Assert.Contains("no response within 1 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests.Count);
    }
}
