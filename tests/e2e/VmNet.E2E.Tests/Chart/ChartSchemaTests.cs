using VmNet.Cni;
using VmNet.Controller.Hosting;
using VmNet.Daemon;

namespace VmNet.E2E.Chart;

/// <summary>
/// values.schema.json turns away at install time what would otherwise fail only when the pods start. The programs
/// reject the same values themselves (<see cref="TheProgramsRejectTheSameValues"/>: their option parsers, the
/// OVSDB remote parser, the CNI plugin's version list), so the schema is not
/// stricter than the programs; the one exception is the encap IP, which vmnet-daemon passes to OVS unchecked but
/// ovn-controller needs as an address.
/// </summary>
public sealed class ChartSchemaTests
{
    [Theory]
    [InlineData("network.encapType=gre", "network.encapType")]
    [InlineData("daemon.datapathType=dpdk", "daemon.datapathType")]
    [InlineData("daemon.nodeMtu=1500.5", "daemon.nodeMtu")]
    [InlineData("daemon.podMtu=40", "daemon.podMtu")]
    [InlineData("daemon.encapIp=node-a", "daemon.encapIp")]
    [InlineData("controller.workerNum=0", "controller.workerNum")]
    [InlineData("controller.gcInterval=-1", "controller.gcInterval")]
    [InlineData("ovn.northbound=ovn-nb:6641", "ovn.northbound")]
    [InlineData("cni.cniVersion=0.2.0", "cni.cniVersion")]
    [InlineData("daemon.encapType=vxlan", "encapType")]
    public async Task TemplateRejectsAValueTheProgramsWouldNot(string set, string key)
    {
        var outcome = await ChartTemplate.RunAsync(null, set);
        Assert.True(outcome.ExitCode != 0, $"helm template --set {set} succeeded:\n{outcome.Stdout}");
        Assert.Contains("values don't meet the specifications of the schema", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains(key, outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TheProgramsRejectTheSameValues()
    {
        string[] node = ["--node-name", "node-a"];
        Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse([.. node, "--encap-type", "gre"]));
        Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse([.. node, "--datapath-type", "dpdk"]));
        Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse([.. node, "--node-mtu", "1500.5"]));
        Assert.Throws<DaemonOptionsException>(() => DaemonOptionsParser.Parse([.. node, "--pod-mtu", "40"]));
        Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse(["--network-type=gre"], _ => null));
        Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse(["--worker-num=0"], _ => null));
        Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse(["--gc-interval=-1"], _ => null));
        Assert.Throws<ControllerOptionsException>(() => ControllerOptionsParser.Parse(["--encap-type=vxlan"], _ => null));
        Assert.False(CniVersions.IsSupported("0.2.0"));
        Assert.Throws<FormatException>(() => Ovsdb.Wire.OvsdbEndpoint.Parse("ovn-nb:6641"));
    }

    [Fact]
    public void SchemaCniVersionsAreTheOnesThePluginSpeaks() =>
        Assert.Equal(CniVersions.Supported, ValuesSchema.Enum("cni", "cniVersion"));
}
