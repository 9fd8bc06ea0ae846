using VmNet.Multus;

namespace VmNet.Tests.Multus;

public sealed class VmTemplateNetworksTests
{
    [Fact]
    public void ProvidersOfSelectedNadsInEitherSourceAreSelectedOthersAreNot()
    {
        var template = VmTemplateNetworks.From(
            "vms",
            new Dictionary<string, string> { [MultusAnnotations.Networks] = "a,other/b@n1,b" },
            ["c", "net/d"])!;
        Assert.True(template.Selects("a.vms.ovn"));
        Assert.True(template.Selects("b.other.ovn.n1"));
        Assert.True(template.Selects("b.vms.ovn"));
        Assert.True(template.Selects("c.vms"));
        Assert.True(template.Selects("d.net.ovn.pod1a2b3c4d"));
        Assert.False(template.Selects("e.vms.ovn"));
        Assert.False(template.Selects("a.other.ovn"));
        Assert.False(template.Selects("ab.vms.ovn"));
    }

    [Fact]
    public void EmptyTemplateSelectsNothingAndAnUnreadableOneIsUnknown()
    {
        Assert.False(VmTemplateNetworks.From("vms", null, [])!.Selects("a.vms.ovn"));
        Assert.Null(VmTemplateNetworks.From("vms", new Dictionary<string, string> { [MultusAnnotations.Networks] = "[{\"name\":" }, []));
        Assert.Null(VmTemplateNetworks.From("vms", null, ["bad name!"]));
    }
}
