using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Rig;

public sealed class RigOptionsTests
{
    [Theory]
    [InlineData(EncapType.Geneve, 1442, true)]
    [InlineData(EncapType.Geneve, 1443, false)]
    [InlineData(EncapType.Vxlan, 1450, true)]
    [InlineData(EncapType.Vxlan, 1451, false)]
    public void PodMtuMustLeaveRoomForTheTunnel(EncapType encap, int podMtu, bool valid)
    {
        var options = new RigOptions { Encap = encap, PodMtu = podMtu };
        if (valid)
        {
            options.Validate();
        }
        else
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
            Assert.Equal(nameof(RigOptions.PodMtu), ex.ParamName);
        }
    }

    [Fact]
    public void NamesDerivedFromTheRunIdFitInAnInterfaceName()
    {
        var id = RigRunId.New();
        Assert.Matches("^vn[0-9a-f]{5}$", id.Value);
        foreach (var name in new[] { id.Value + "n200", id.Value + "e200", id.Value + "s200", id.Value + "p9999", id.Value + "h9999" })
        {
            Assert.Equal(name, InterfaceNames.Validate(name, "name"));
        }
    }

    [Fact]
    public void UnderlayIsAPerRunSubnetOfTheTestRange()
    {
        var options = new RigOptions { RunId = new RigRunId("vn000ff") };
        Assert.Equal("198.18.6", options.EffectiveUnderlayPrefix);
        Assert.Equal("198.18.6.2", options.NodeUnderlayIp(2));
    }

    [Fact]
    public void MissingToolIsNamedWithItsPackage()
    {
        var ex = Assert.Throws<RigException>(() => RigPrerequisites.EnsureInstalled("no-such-tool-vmnet"));
        Assert.Contains("no-such-tool-vmnet", ex.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongInterfaceNameIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => InterfaceNames.Validate("a-very-long-ifname", "hostInterface"));
        Assert.Contains("hostInterface", ex.Message, StringComparison.Ordinal);
    }
}
