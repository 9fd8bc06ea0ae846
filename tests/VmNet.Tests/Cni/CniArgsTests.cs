using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniArgsTests
{
    [Fact]
    public void Kubelet_args_are_split_into_pod_fields()
    {
        var args = CniArgs.Parse("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=virt-launcher-vm1-abcde;K8S_POD_INFRA_CONTAINER_ID=4f0c2;K8S_POD_UID=0b6e-11");

        Assert.Equal("default", args.PodNamespace);
        Assert.Equal("virt-launcher-vm1-abcde", args.PodName);
        Assert.Equal("4f0c2", args.PodInfraContainerId);
        Assert.Equal("0b6e-11", args.PodUid);
        Assert.Equal("1", args.Get("IgnoreUnknown"));
        Assert.Equal(5, args.Values.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_args_are_empty(string? raw) => Assert.Empty(CniArgs.Parse(raw).Values);

    [Fact]
    public void Value_may_contain_equals_and_empty_values_read_as_absent()
    {
        var args = CniArgs.Parse("A=b=c;K8S_POD_NAME=;;");

        Assert.Equal("b=c", args.Get("A"));
        Assert.Null(args.PodName);
    }

    [Theory]
    [InlineData("K8S_POD_NAME=p;garbage", "\"garbage\"")]
    [InlineData("=value", "\"=value\"")]
    public void Pair_without_key_is_code_4_naming_it(string raw, string named)
    {
        var ex = Assert.Throws<CniException>(() => CniArgs.Parse(raw));

        Assert.Equal(CniErrorCodes.InvalidEnvironmentVariables, ex.Code);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }
}
