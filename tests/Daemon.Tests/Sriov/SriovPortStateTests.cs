using System.Net.NetworkInformation;
using VmNet.Daemon.Sriov;

namespace VmNet.Daemon.Tests.Sriov;

public sealed class SriovPortStateTests
{
    [Fact]
    public void TheRecordRoundTripsThroughExternalIds()
    {
        var state = new SriovPortState
        {
            VfPci = "0000:3b:00.3",
            VfNetdev = "enp59s0f0v1",
            VfMac = PhysicalAddress.Parse("52-54-00-12-34-56"),
            PfNetdev = "enp59s0f0np0",
            VfIndex = 1,
            Representor = "enp59s0f0npf0vf1",
            VfInPod = true,
            TxChecksumOff = true,
        };
        var ids = new Dictionary<string, string>(state.ToExternalIds()) { ["iface-id"] = "p.default" };
        Assert.Equal("52:54:00:12:34:56", ids[SriovPortState.VfMacKey]);
        Assert.Equal(state, SriovPortState.FromExternalIds(ids));
    }

    [Fact]
    public void AVethPortHasNoRecord() => Assert.Null(SriovPortState.FromExternalIds(new Dictionary<string, string> { ["iface-id"] = "p.default" }));

    [Fact]
    public void ADamagedRecordNamesTheKey()
    {
        var error = Assert.Throws<SriovException>(() => SriovPortState.FromExternalIds(new Dictionary<string, string>
        {
            [SriovPortState.VfPciKey] = "0000:3b:00.3",
            [SriovPortState.PfNetdevKey] = "pf",
            [SriovPortState.RepresentorKey] = "rep",
            [SriovPortState.VfIndexKey] = "x1",
        }));
        Assert.Equal("OVS interface of VF 0000:3b:00.3: external_ids vmnet.io/vf-index \"x1\" is not a VF index", error.Message);
    }
}
