using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using VmNet.Cni;

namespace VmNet.Tests.Cni;

/// <summary>PROTOCOL.md is what the daemon is written against: it must name every wire field.</summary>
public class DaemonProtocolContractTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(VmNet.TestSupport.TestPaths.RepoRoot, "src/VmNet/Cni/PROTOCOL.md"));

    [Theory]
    [InlineData(typeof(DaemonRequest))]
    [InlineData(typeof(DaemonResponse))]
    [InlineData(typeof(DaemonError))]
    public void Every_wire_field_is_documented(Type type)
    {
        var names = type.GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name).OfType<string>().ToList();

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Contains($"`{name}`", Doc, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DaemonProtocol.AddPath)]
    [InlineData(DaemonProtocol.DelPath)]
    [InlineData(DaemonProtocol.CheckPath)]
    [InlineData(DaemonProtocol.StatusPath)]
    [InlineData(DaemonProtocol.GcPath)]
    [InlineData(DaemonProtocol.DefaultSocketPath)]
    [InlineData(DaemonProtocol.KubeOvnSocketPath)]
    public void Routes_and_sockets_are_documented(string text) => Assert.Contains(text, Doc, StringComparison.Ordinal);

    [Fact]
    public void Request_round_trips_with_snake_case_names()
    {
        var request = new DaemonRequest
        {
            CniType = "kube-ovn",
            ContainerId = "c1",
            NetNs = "/ns",
            IfName = "eth0",
            PodName = "p",
            PodNamespace = "default",
            DeviceId = "0000:03:00.1",
            VhostUserSocketVolumeName = "vhostuser-sockets",
            ValidAttachments = [new CniAttachment { ContainerId = "c1", IfName = "eth0" }],
        };

        var json = JsonSerializer.Serialize(request, CniJsonContext.Default.DaemonRequest);
        var back = JsonSerializer.Deserialize(json, CniJsonContext.Default.DaemonRequest)!;

        Assert.Contains("\"container_id\":\"c1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"device_id\":\"0000:03:00.1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"valid_attachments\":[{\"containerID\":\"c1\",\"ifname\":\"eth0\"}]", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"mtu\"", json, StringComparison.Ordinal);
        Assert.Equal(("kube-ovn", "/ns", "vhostuser-sockets"), (back.CniType, back.NetNs, back.VhostUserSocketVolumeName));
    }

    [Theory]
    [InlineData(CniCommand.Add, 120)]
    [InlineData(CniCommand.Del, 60)]
    [InlineData(CniCommand.Gc, 60)]
    [InlineData(CniCommand.Check, 30)]
    [InlineData(CniCommand.Status, 5)]
    public void Default_timeouts_match_the_document(CniCommand command, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DaemonProtocol.DefaultTimeout(command));
        Assert.Contains($"{command.ToString().ToUpperInvariant()} {seconds} s", Doc, StringComparison.Ordinal);
    }
}
