using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Polly;
using VmNet.Kube.Transport;

namespace VmNet.Kube.Tests;

public class PatchAndRetryRuleTests
{
    private static RequestSafety Safety(bool idempotent) => idempotent ? RequestSafety.Idempotent : RequestSafety.NotIdempotent;

    [Fact]
    public void MergePatchTextMustBeAJsonObject()
    {
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => KubePatch.Merge("{\"a\":")).Message, StringComparison.Ordinal);
        Assert.Contains("must be a JSON object, got: [1]", Assert.Throws<ArgumentException>(() => KubePatch.Merge("[1]")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonPatchOperationsAreValidated()
    {
        Assert.Contains("at least one operation", Assert.Throws<ArgumentException>(() => KubePatch.Json()).Message, StringComparison.Ordinal);
        Assert.Contains("op 'upsert'", Assert.Throws<ArgumentException>(() => KubePatch.Json(new JsonPatchOperation("upsert", "/a"))).Message, StringComparison.Ordinal);
        Assert.Contains("path 'spec'", Assert.Throws<ArgumentException>(() => KubePatch.Json(JsonPatchOperation.Remove("spec"))).Message, StringComparison.Ordinal);
        Assert.Contains("needs 'from'", Assert.Throws<ArgumentException>(() => KubePatch.Json(new JsonPatchOperation("move", "/a"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonPatchCarriesStructuredValues()
    {
        var patch = KubePatch.Json(JsonPatchOperation.Add("/metadata/finalizers", JsonPatchOperation.ValueOf(new[] { "kubeovn.io/kube-ovn-controller" })));

        Assert.Equal("""[{"op":"add","path":"/metadata/finalizers","value":["kubeovn.io/kube-ovn-controller"]}]""", patch.Body);
        Assert.False(patch.IsIdempotent);
        Assert.True(KubePatch.Merge(new JsonObject()).IsIdempotent);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("ovn.kubernetes.io/ip_address", "ovn.kubernetes.io~1ip_address")]
    [InlineData("a~b/c", "a~0b~1c")]
    public void PointerTokensAreEscaped(string token, string escaped) => Assert.Equal(escaped, JsonPointer.Escape(token));

    [Fact]
    public void RetryAfterAcceptsSecondsAndDatesAndIsCapped()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddSeconds(20));
        using var huge = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        huge.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(1));
        using var none = new HttpResponseMessage(HttpStatusCode.TooManyRequests);

        Assert.Equal(TimeSpan.FromSeconds(3), KubeRetryPipeline.RetryAfter(seconds, TimeSpan.FromMinutes(1)));
        Assert.InRange(KubeRetryPipeline.RetryAfter(date, TimeSpan.FromMinutes(1))!.Value, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.FromMinutes(1), KubeRetryPipeline.RetryAfter(huge, TimeSpan.FromMinutes(1)));
        Assert.Null(KubeRetryPipeline.RetryAfter(none, TimeSpan.FromMinutes(1)));
    }

    [Theory]
    [InlineData(429, false, false, true)]
    [InlineData(500, false, false, false)]
    [InlineData(503, true, false, true)]
    [InlineData(500, false, true, true)]
    [InlineData(501, false, true, false)]
    [InlineData(409, false, true, false)]
    [InlineData(404, false, true, false)]
    public void StatusRetryRules(int code, bool retryAfter, bool idempotent, bool expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)code);
        if (retryAfter)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.Zero);
        }

        Assert.Equal(expected, KubeRetryPipeline.ShouldRetry(Outcome.FromResult(response), Safety(idempotent)));
    }

    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void ConnectionRetryRules(bool requestSent, bool idempotent, bool expected)
    {
        var error = new KubeConnectionException("x", requestSent, null);

        Assert.Equal(expected, KubeRetryPipeline.ShouldRetry(Outcome.FromException<HttpResponseMessage>(error), Safety(idempotent)));
    }

    [Fact]
    public void CancellationIsNeverRetried()
    {
        Assert.False(KubeRetryPipeline.ShouldRetry(Outcome.FromException<HttpResponseMessage>(new OperationCanceledException()), RequestSafety.Idempotent));
    }
}
