using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Stack;

/// <summary>The kubelet stand-in's CNI plumbing on its own: CNI_ARGS as kubelet writes them, outcomes read back.</summary>
public sealed class CniPluginTests
{
    [Fact]
    public void CniArgsStartWithIgnoreUnknownAndKeepKubeletsOrder()
    {
        var invocation = new CniInvocation
        {
            Command = "ADD",
            NetConf = "{}",
            Args = new Dictionary<string, string> { ["K8S_POD_NAMESPACE"] = "ns1", ["K8S_POD_NAME"] = "p1", ["K8S_POD_INFRA_CONTAINER_ID"] = "abc" },
        };
        Assert.Equal("IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_INFRA_CONTAINER_ID=abc", invocation.CniArgs);
    }

    [Fact]
    public void OutcomeReadsResultAndError()
    {
        var added = new CniOutcome("ADD", 0, """{"cniVersion":"1.0.0","ips":[{"address":"10.16.0.5/16"}]}""", "", TimeSpan.Zero);
        Assert.Equal("10.16.0.5/16", added.FirstAddress);
        Assert.Null(added.ErrorCode);

        var failed = new CniOutcome("ADD", 1, """{"cniVersion":"1.0.0","code":111,"msg":"pod default/p1: annotation x not set","details":"after 6s"}""", "", TimeSpan.Zero);
        Assert.Equal(111, failed.ErrorCode);
        Assert.Equal("pod default/p1: annotation x not set after 6s", failed.ErrorText);
        Assert.Null(failed.FirstAddress);

        var garbage = new CniOutcome("ADD", 1, "not json", "boom", TimeSpan.Zero);
        Assert.Null(garbage.Json);
        Assert.Null(garbage.ErrorCode);
    }

    [Fact]
    public async Task MissingBinaryIsNamedWithItsBuildCommand()
    {
        var plugin = new CniPlugin("/nonexistent/vmnet");
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => plugin.RunAsync(new CniInvocation { Command = "VERSION", NetConf = "{}" }, TimeSpan.FromSeconds(5)));
        Assert.Contains("make cni", error.Message, StringComparison.Ordinal);
    }
}
