using VmNet.Dpdk;
using VmNet.KubeVirt.Migration;

namespace VmNet.Daemon.Tests.Dpdk;

/// <summary>The controller's side of the vhost-user migration rule: which LSP is vhost-user, and whether it is RARP-gated.</summary>
public sealed class VhostUserPortPolicyTests
{
    private const string DpdkNad = """{"cniVersion":"1.0.0","type":"kube-ovn","provider":"dpdk.vms.ovn","vhost_user_socket_volume_name":"vhostuser-sockets","vhost_user_socket_name":"sock"}""";
    private const string PlainNad = """{"cniVersion":"1.0.0","type":"kube-ovn","provider":"plain.vms.ovn"}""";

    [Theory]
    [InlineData(false, null, true)]
    [InlineData(false, true, true)]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    [InlineData(true, null, false)]
    public void OnlyPortsWhoseRarpWillComeAreGated(bool vhostUser, bool? guestAnnounce, bool gated)
    {
        var facts = new PortActivationFacts("vm.ns", vhostUser, guestAnnounce);
        Assert.Equal(gated, ActivationStrategyPolicy.Default(facts));
        Assert.Equal(gated ? MigrationActivation.Rarp : MigrationActivation.None, ActivationStrategyPolicy.Decide(facts).Activation);
    }

    [Fact]
    public void APortOnTheSubnetOfAVhostUserNadIsVhostUser()
    {
        var detector = Detector();
        Assert.True(detector.IsVhostUser(new Dictionary<string, string> { ["ls"] = "dpdk-subnet", ["pod"] = "vms/vm1" }));
        Assert.False(detector.IsVhostUser(new Dictionary<string, string> { ["ls"] = "plain-subnet" }));
        Assert.False(detector.IsVhostUser(new Dictionary<string, string> { ["ls"] = "ovn-default" }));
        Assert.False(detector.IsVhostUser(new Dictionary<string, string> { ["ls"] = "orphan-subnet" }));
        Assert.False(detector.IsVhostUser(new Dictionary<string, string> { ["ls"] = "unknown" }));
        Assert.False(detector.IsVhostUser(new Dictionary<string, string>()));
        Assert.True(detector.IsVhostUser(new Dictionary<string, string> { ["ls"] = "ovn-default", [VhostUserPortDetector.MarkerKey] = "true" }));
    }

    [Theory]
    [InlineData("dpdk.vms.ovn", "vms", "dpdk")]
    [InlineData("dpdk.vms.ovn.net1", "vms", "dpdk")]
    [InlineData("ovn", null, null)]
    [InlineData("mv.default", null, null)]
    [InlineData("a.b.c", null, null)]
    public void ProviderNamesItsNad(string provider, string? ns, string? name)
    {
        var nad = VhostUserPortDetector.NadOf(provider);
        Assert.Equal(ns, nad?.Namespace);
        Assert.Equal(name, nad?.Name);
    }

    [Theory]
    [InlineData(DpdkNad, true)]
    [InlineData(PlainNad, false)]
    [InlineData("""{"cniVersion":"1.0.0","plugins":[{"type":"tuning"},{"type":"kube-ovn","vhost_user_socket_consumption":"kubevirt"}]}""", true)]
    [InlineData("""{"type":"macvlan","vhost_user_socket_name":"sock"}""", false)]
    [InlineData("""{"type":"kube-ovn","vhost_user_socket_name":""}""", false)]
    [InlineData("""{"type":"kube-ovn", """, false)]
    [InlineData("[]", false)]
    [InlineData("", false)]
    public void VhostUserConfigsAreOursWithASocketKey(string config, bool expected) =>
        Assert.Equal(expected, VhostUserPortDetector.IsVhostUserConfig(config));

    private static VhostUserPortDetector Detector()
    {
        var providers = new Dictionary<string, string> { ["dpdk-subnet"] = "dpdk.vms.ovn", ["plain-subnet"] = "plain.vms.ovn", ["ovn-default"] = "ovn", ["orphan-subnet"] = "gone.vms.ovn" };
        var nads = new Dictionary<(string, string), string> { [("vms", "dpdk")] = DpdkNad, [("vms", "plain")] = PlainNad };
        return new VhostUserPortDetector(s => providers.GetValueOrDefault(s), (ns, n) => nads.GetValueOrDefault((ns, n)));
    }
}
