using System.Diagnostics;
using System.Text.Json;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Multus;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;
using static VmNet.E2E.Multus.StackPods;

namespace VmNet.E2E.Multus;

/// <summary>
/// IPAM-only attachment (facts §6): a macvlan NAD whose <c>ipam</c> is <c>kube-ovn</c>, provider <c>&lt;nad&gt;.&lt;ns&gt;</c>.
/// The real macvlan plugin (Debian's containernetworking-plugins) runs in the node's netns as Multus would run it
/// and execs our CNI binary from CNI_PATH as its IPAM plugin; our daemon answers with the address our controller
/// allocated from the Subnet whose provider is <c>mvl.default</c>, and no OVN port exists for it.
/// </summary>
public sealed partial class MultusStackTests
{
    private const string Macvlan = "/usr/lib/cni/macvlan";
    private const string IpamProvider = "mvl.default";

    [Fact]
    public async Task MacvlanWithOurIpamGetsTheControllersAddressAndNoOvnPort()
    {
        Assert.True(File.Exists(Macvlan), $"{Macvlan} missing: install Debian's containernetworking-plugins");

        var name = fixture.NewName("mvl");
        var netns = await fixture.NewNetnsAsync();
        await CreatePodAsync(fixture, name, fixture.Node1, new Dictionary<string, string> { [MultusAnnotations.Networks] = "mvl" });
        var annotations = await WaitAllocatedAsync(fixture, name, [IpamProvider]);
        var ip = annotations[$"{IpamProvider}.kubernetes.io/ip_address"];
        Assert.StartsWith("10.204.0.", ip, StringComparison.Ordinal);
        Assert.False(annotations.ContainsKey($"{IpamProvider}.kubernetes.io/logical_switch"));

        // The macvlan master (a veth: no dummy driver here) lives in the node's netns, where the plugin runs as on a node.
        var master = "mv" + fixture.Rig.RunId.Value[..Math.Min(8, fixture.Rig.RunId.Value.Length)];
        foreach (var args in new[] { new[] { "link", "add", master, "type", "veth", "peer", "name", master + "p" }, ["link", "set", master, "up"] })
        {
            var ipResult = await fixture.Node1.ExecAsync("ip", args);
            Assert.True(ipResult.Succeeded, ipResult.CommandLine + ": " + ipResult.Stderr);
        }
        var netconf = $$$"""{"cniVersion":"1.0.0","name":"mvl","type":"macvlan","master":"{{{master}}}","mode":"bridge","ipam":{"type":"kube-ovn","server_socket":"{{{fixture.SocketPath(fixture.Node1)}}}","provider":"{{{IpamProvider}}}"}}""";
        var containerId = NewContainerId();

        var add = await RunMacvlanAsync("ADD", containerId, netns, name, netconf);
        Assert.True(add.ExitCode == 0, $"macvlan ADD: {add.Stdout}{add.Stderr}");
        var result = JsonDocument.Parse(add.Stdout).RootElement;
        var address = result.GetProperty("ips").EnumerateArray().Single().GetProperty("address").GetString();
        Assert.Equal(ip + "/24", address);
        Assert.Equal("10.204.0.1", result.GetProperty("ips")[0].GetProperty("gateway").GetString());
        var addresses = (await ExecAsync(netns, "ip", "-4", "-o", "addr", "show", "dev", "net1")).Stdout;
        Assert.Contains($"inet {ip}/24", addresses, StringComparison.Ordinal);

        // An address only: no Logical_Switch_Port, but the IP CR records it.
        Assert.Empty((await fixture.Central.NbctlAsync(["--bare", "--columns=name", "find", "Logical_Switch_Port", $"name={name}.default.{IpamProvider}"])).Stdout.Trim());
        var cr = await fixture.Kube.GetAsync<V1IP>(null, $"{name}.default.{IpamProvider}");
        Assert.Equal(ip, cr.Spec!.IpAddress);
        Assert.Equal("ipo", cr.Spec.Subnet);

        var del = await RunMacvlanAsync("DEL", containerId, netns, name, netconf);
        Assert.True(del.ExitCode == 0, $"macvlan DEL: {del.Stdout}{del.Stderr}");
        Assert.DoesNotContain("net1", (await ExecAsync(netns, "ip", "-o", "link", "show")).Stdout, StringComparison.Ordinal);
    }

    private async Task<CommandResult> RunMacvlanAsync(string command, string containerId, string netns, string podName, string netconf)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", fixture.Node1.Netns, Macvlan })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CNI_COMMAND"] = command;
        start.Environment["CNI_CONTAINERID"] = containerId;
        start.Environment["CNI_NETNS"] = "/var/run/netns/" + netns;
        start.Environment["CNI_IFNAME"] = "net1";
        // Where the delegating plugin finds its IPAM plugin "kube-ovn": our published binary.
        start.Environment["CNI_PATH"] = Path.GetDirectoryName(Daemon.CniBinary.Path);
        start.Environment["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={Ns};K8S_POD_NAME={podName};K8S_POD_INFRA_CONTAINER_ID={containerId}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start macvlan");
        await process.StandardInput.WriteAsync(netconf);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return new CommandResult("macvlan " + command, process.ExitCode, await stdout, await stderr, TimeSpan.Zero);
    }
}
