using System.Diagnostics;
using System.Globalization;
using VmNet.Kube;
using VmNet.Kube.Models;
using RigNetns = VmNet.Sandbox.Rig.NetworkNamespace;

namespace VmNet.Daemon.Tests.PrePlug;

/// <summary>
/// A dual-stack migration target's ADD on a real node (issue 6: no DAD for a migration target). The VM's IPv6 address
/// is still in use on the source when the target's ADD configures it, so duplicate address detection would either
/// fail or leave it tentative (unusable) for up to two seconds after the switchover. The daemon adds it with
/// IFA_F_NODAD: right after the ADD it is neither tentative nor dadfailed, and once the migrated VM announces itself
/// with QEMU's RARP (OVN activates the port on this chassis) a pod pings it over IPv6. The source chassis is a
/// Chassis row without an ovn-controller.
/// </summary>
public sealed class MigrationTargetIpv6Tests(PrePlugRigFixture rig) : IClassFixture<PrePlugRigFixture>
{
    private const string V6Prefix = "fd00:10:16::";

    [Fact]
    public async Task TargetsIpv6AddressIsConfiguredWithoutDadAndAnswersPing6RightAfterActivation()
    {
        var central = rig.Rig.Central;
        await central.NbctlAsync(["set", "Logical_Router_Port", "ovn-cluster-ovn-default", $"networks=[\"10.16.0.1/16\",\"{V6Prefix}1/64\"]"]);
        var source = "src6-" + rig.Rig.RunId.Value;
        await central.SbctlAsync(["chassis-add", source, "geneve", "127.0.0.3"]);

        // An ordinary dual-stack pod on this node to ping from.
        var pinger = await rig.NewPodAsync("ping6");
        await PlayControllerAsync(pinger, null, "--", "lsp-set-options", pinger.PortName, "requested-chassis=" + rig.Node.Name);
        var (pingerStatus, pingerBody) = await rig.CallAsync("add", pinger, NewContainerId());
        Assert.True(pingerStatus == 200, $"ADD of {pinger.Name} answered {pingerStatus}: {pingerBody}");

        // The controller's switch for the migration comes before the target pod: both chassis, RARP activation.
        var target = await rig.NewPodAsync("mig6");
        await PlayControllerAsync(target, "vm6-mig-1", "--", "lsp-set-options", target.PortName, $"requested-chassis={source},{rig.Node.Name}", "activation-strategy=rarp");
        var containerId = NewContainerId();
        var (status, body) = await rig.CallAsync("add", target, containerId);
        Assert.True(status == 200, $"ADD of migration target {target.Name} answered {status}: {body}");
        var added = Stopwatch.StartNew();

        // Read at once: an address under DAD would still be tentative here (DAD takes 1-2 s after the address is added).
        var v6 = (await RigNetns.ExecCheckedAsync(target.Netns, "ip", ["-6", "-o", "addr", "show", "dev", "eth0", "scope", "global"])).Stdout.Trim();
        Assert.Contains(V6(target) + "/64", v6, StringComparison.Ordinal);
        Assert.Contains(" nodad", v6, StringComparison.Ordinal);
        Assert.DoesNotContain("tentative", v6, StringComparison.Ordinal);
        Assert.DoesNotContain("dadfailed", v6, StringComparison.Ordinal);
        Assert.Contains(target.Ip + "/16", (await RigNetns.ExecCheckedAsync(target.Netns, "ip", ["-4", "-o", "addr", "show", "dev", "eth0"])).Stdout, StringComparison.Ordinal);
        var routes = (await RigNetns.ExecCheckedAsync(target.Netns, "ip", ["-6", "route", "show", "default"])).Stdout;
        Assert.Contains($"via {V6Prefix}1 dev eth0", routes, StringComparison.Ordinal);

        // Until the VM announces itself on this chassis OVN keeps the target blocked (the VM still runs on the source).
        var blocked = await RigNetns.ExecAsync(pinger.Netns, "ping", ["-6", "-c", "1", "-W", "1", V6(target)], TimeSpan.FromSeconds(5));
        Assert.False(blocked.Succeeded, $"the target answered before its activation: {blocked.Stdout}");

        // The migrated VM resumes and QEMU announces it (RARP): OVN lifts the block and the VM's IPv6 address answers.
        await RigNetns.ExecCheckedAsync(target.Netns, "python3", ["-c", RarpScript, "eth0", target.Mac]);
        var announced = Stopwatch.StartNew();
        var answered = await FirstPing6Async(pinger.Netns, V6(target), TimeSpan.FromSeconds(15));
        Assert.True(answered is not null, $"{pinger.Name} never got an IPv6 echo reply from {V6(target)} after the RARP; target eth0: {v6}");
        Assert.DoesNotContain("dadfailed", (await RigNetns.ExecCheckedAsync(target.Netns, "ip", ["-6", "-o", "addr", "show", "dev", "eth0"])).Stdout, StringComparison.Ordinal);
        Console.WriteLine($"migration target {target.Name}: first IPv6 echo reply {announced.Elapsed.TotalMilliseconds:0} ms after the RARP, {added.Elapsed.TotalMilliseconds:0} ms after its ADD returned ({answered})");

        var (delStatus, delBody) = await rig.CallAsync("del", target, containerId);
        Assert.True(delStatus is 200 or 204, $"DEL answered {delStatus}: {delBody}");
    }

    /// <summary>QEMU's announce after a migration (the reference recipe's rarp.py): RARP op 3 from the VM's MAC, broadcast.</summary>
    private const string RarpScript = """
        import socket, struct, sys
        ifc, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifc, 0))
        frame = b'\xff' * 6 + mac + struct.pack('!H', 0x8035) + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 3) + mac + b'\0' * 4 + mac + b'\0' * 4
        s.send(frame + b'\0' * (60 - len(frame)))
        """;

    private static string V6(TestPodSpec pod) =>
        V6Prefix + "7:" + int.Parse(pod.Ip.Split('.')[3], CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture);

    private static string NewContainerId() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];

    /// <summary>The controller's part: the dual-stack logical switch port (plus <paramref name="lspOptions"/>), then the pod with its allocation.</summary>
    private async Task PlayControllerAsync(TestPodSpec pod, string? migrationJob, params string[] lspOptions)
    {
        await rig.Rig.Central.NbctlAsync(
            new[] { "lsp-add", "ovn-default", pod.PortName, "--", "lsp-set-addresses", pod.PortName, $"{pod.Mac} {pod.Ip} {V6(pod)}" }.Concat(lspOptions));
        var annotations = pod.Annotations();
        annotations["ovn.kubernetes.io/ip_address"] = $"{pod.Ip},{V6(pod)}";
        annotations["ovn.kubernetes.io/cidr"] = $"10.16.0.0/16,{V6Prefix}/64";
        annotations["ovn.kubernetes.io/gateway"] = $"10.16.0.1,{V6Prefix}1";
        if (migrationJob is not null)
        {
            annotations["kubevirt.io/migrationJobName"] = migrationJob;
        }

        await rig.Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = pod.Name, Namespace = "default", Annotations = annotations },
            Spec = new V1PodSpec { NodeName = rig.Node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });
    }

    /// <summary>One ping6 at a time until a reply; the reply line, or null after <paramref name="timeout"/>.</summary>
    private static async Task<string?> FirstPing6Async(string netns, string address, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var ping = await RigNetns.ExecAsync(netns, "ping", ["-6", "-c", "1", "-W", "1", address], TimeSpan.FromSeconds(5));
            if (ping.Succeeded)
            {
                return ping.Stdout.Split('\n').FirstOrDefault(l => l.Contains("bytes from", StringComparison.Ordinal))?.Trim();
            }
        }

        return null;
    }
}
