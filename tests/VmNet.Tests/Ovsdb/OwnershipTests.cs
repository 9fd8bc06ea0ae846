using VmNet.Ovsdb;

namespace VmNet.Tests.Ovsdb;

public class OwnershipTests
{
    [Fact]
    public void OwnershipKeysWinOverCallerExternalIdsAndRoundTrip()
    {
        var owner = new Ownership("VirtualMachineInstance", "ns1/vm1");
        var ids = owner.ToExternalIds(new Dictionary<string, string> { ["vendor"] = "someone-else", ["iface-id"] = "x" });
        Assert.Equal("vmnet", ids["vendor"]);
        Assert.Equal("VirtualMachineInstance", ids["vmnet.io/owner-kind"]);
        Assert.Equal("ns1/vm1", ids["vmnet.io/owner"]);
        Assert.Equal("x", ids["iface-id"]);
        Assert.Equal(owner, Ownership.FromExternalIds(ids));
    }

    [Fact]
    public void RowsOfOtherVendorsOrWithoutOwnerAreNotOurs()
    {
        Assert.Null(Ownership.FromExternalIds(new Dictionary<string, string> { ["vendor"] = "kube-ovn", ["vmnet.io/owner-kind"] = "Pod", ["vmnet.io/owner"] = "a/b" }));
        Assert.Null(Ownership.FromExternalIds(new Dictionary<string, string> { ["vendor"] = "vmnet", ["vmnet.io/owner-kind"] = "Pod" }));
        Assert.Throws<ArgumentException>(() => new Ownership("", "key"));
    }
}
