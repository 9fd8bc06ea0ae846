using VmNet.Multus;

namespace VmNet.Tests.Multus;

public class NetworkSelectionParserTests
{
    private static IReadOnlyList<NetworkSelection> Networks(string value) =>
        NetworkSelectionParser.ParseNetworks(new Dictionary<string, string> { [MultusAnnotations.Networks] = value }, "podns");

    [Fact]
    public void TextFormDefaultsNamespaceAndReadsInterface()
    {
        var result = Networks(" attnet , other/net2@eth5,third/x ");
        Assert.Equal(3, result.Count);
        Assert.Equal(new NetworkSelection("podns", "attnet"), result[0]);
        Assert.Equal("other/net2", result[1].NadKey);
        Assert.Equal("eth5", result[1].Interface);
        Assert.Null(result[2].Interface);
        Assert.Equal("third", result[2].Namespace);
    }

    [Fact]
    public void JsonFormReadsAllFields()
    {
        var result = Networks("""
            [{"name":"a","namespace":"ns1","interface":"net7","mac":"02:00:00:00:00:01","ips":["10.1.0.5/24"],"default-route":["10.1.0.1"]},
             {"name":"b"}]
            """);
        Assert.Equal(2, result.Count);
        Assert.Equal("ns1/a", result[0].NadKey);
        Assert.Equal("net7", result[0].Interface);
        Assert.Equal("02:00:00:00:00:01", result[0].Mac);
        Assert.Equal(["10.1.0.5"], result[0].Ips);
        Assert.True(result[0].WantsDefaultRoute);
        Assert.Equal("podns/b", result[1].NadKey);
        Assert.False(result[1].WantsDefaultRoute);
    }

    [Theory]
    [InlineData("a,,b", "has an empty element")]
    [InlineData("Bad_Name", "invalid name \"Bad_Name\"")]
    [InlineData("ns/a@averyveryverylongifname", "invalid interface name")]
    [InlineData("a@", "invalid interface name")]
    [InlineData("[{\"name\":1}]", "\"name\" must be a string")]
    [InlineData("[{\"namespace\":\"x\"}]", "has no \"name\"")]
    [InlineData("[{\"name\":\"a\",\"ips\":\"10.0.0.1\"}]", "\"ips\" must be a list")]
    [InlineData("[{\"name\":\"a\"", "is not valid JSON")]
    [InlineData("{\"name\":\"a\"}", "must be a JSON list")]
    [InlineData("a@net1,b@net1", "used as interface name by more than one network")]
    [InlineData("a,a", "attached more than once")]
    public void BadInputNamesAnnotationAndElement(string value, string problem)
    {
        var ex = Assert.Throws<MultusException>(() => Networks(value));
        Assert.Equal(MultusAnnotations.Networks, ex.Field);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(MultusAnnotations.Networks + ": \"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SameNadTwiceWithInterfacesIsFine()
    {
        var result = Networks("ns/a@net1,ns/a@net2");
        Assert.Equal(["net1", "net2"], result.Select(s => s.Interface));
    }

    [Fact]
    public void DefaultNetworkMustBeOne()
    {
        var one = NetworkSelectionParser.ParseDefaultNetwork(new Dictionary<string, string> { [MultusAnnotations.DefaultNetwork] = "kube-system/main" }, "p");
        Assert.Equal("kube-system/main", one!.NadKey);
        Assert.Null(NetworkSelectionParser.ParseDefaultNetwork(new Dictionary<string, string>(), "p"));
        var ex = Assert.Throws<MultusException>(() => NetworkSelectionParser.ParseDefaultNetwork(new Dictionary<string, string> { [MultusAnnotations.DefaultNetwork] = "a,b" }, "p"));
        Assert.Equal(MultusAnnotations.DefaultNetwork, ex.Field);
    }

    [Fact]
    public void AbsentOrBlankMeansNoAttachments()
    {
        Assert.Empty(NetworkSelectionParser.ParseNetworks(null, "p"));
        Assert.Empty(Networks("  "));
    }
}
