using System.Text.RegularExpressions;
using VmNet.Sandbox.Demo;

namespace VmNet.E2E.Demo;

/// <summary>`make demo` end to end: the real executable on real OVN/OVS, judged by what it prints.</summary>
public sealed partial class DemoTests : IDisposable
{
    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), "vmnet-demo-test-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// The whole lifecycle once, with netns guests (QEMU boots would cost CI ~20 s more; `make bench` runs the QEMU
    /// variant): every step passes, and the evidence the issue asks for is printed.
    /// </summary>
    [Fact]
    public async Task DemoRunsEveryStepAndLeavesNothingBehind()
    {
        var netnsBefore = await ListNetnsAsync();

        var (exitCode, stdout, stderr) = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(4), "demo", "--guests=netns");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        var summary = SummaryLine().Match(stdout);
        Assert.True(summary.Success, "no summary line in:\n" + stdout);
        Assert.Equal("10", summary.Groups["total"].Value);
        Assert.Equal(summary.Groups["total"].Value, summary.Groups["passed"].Value);
        Assert.DoesNotContain("FAILED", stdout, StringComparison.Ordinal);
        Assert.Contains("guests (VMNET_DEMO_GUESTS=netns): netns guests requested", stdout, StringComparison.Ordinal);

        // The whole stack runs: controller and one daemon per node; launcher pods are networked by CNI ADD.
        Assert.Matches(@"vmnet-daemon node1 \(pid \d+, socket ", stdout);
        Assert.Matches(@"vmnet-daemon node2 \(pid \d+, socket ", stdout);
        Assert.Contains("launcher pods: CNI ADD/DEL through ", stdout, StringComparison.Ordinal);
        Assert.Matches(@"net1 -> br-int port \S+ iface-id=vm-multi-nic\.vmnet-demo\.storage\.vmnet-demo\.ovn", stdout);

        // Samples applied unchanged; launcher pods as KubeVirt makes them; every NIC addressed by the controller.
        Assert.Contains("virtualmachine.kubevirt.io/vm-multi-nic created", stdout, StringComparison.Ordinal);
        Assert.Matches(@"vm-fixed: VMI vmnet-demo/vm-fixed \(owner VirtualMachine/vm-fixed\); pod virt-launcher-vm-fixed-\w+ on node1, owner VirtualMachineInstance/vm-fixed controller=true, labels kubevirt.io=virt-launcher", stdout);
        Assert.Contains("eth0 10.100.0.10 ", stdout, StringComparison.Ordinal);
        Assert.Contains("k8s.v1.cni.cncf.io/networks: [{\"interface\":\"net1\",\"name\":\"storage\",\"namespace\":\"vmnet-demo\"}]", stdout, StringComparison.Ordinal);
        Assert.Contains("net1 10.101.0.20 ", stdout, StringComparison.Ordinal);

        // Guests see their addresses and reach each other across nodes, also on the Multus network.
        Assert.Matches(@"vm-fixed \(netns guest on node1\) from inside: mac=\S+ ip=10\.100\.0\.10/24", stdout);
        Assert.Matches(@"vm-multi-nic \(node1\) -> vm-random 10\.100\.0\.\d+ \(netns guest on node2\): 4 packets transmitted, [1-4] received", stdout);
        Assert.Matches(@"vm-multi-nic net1 \(10\.101\.0\.20, Multus NIC on demo-storage\) -> its gateway 10\.101\.0\.1: 4 packets transmitted, [1-4] received", stdout);

        // Restart keeps the address; migration goes through the controller's multi-chassis binding; delete releases.
        Assert.Contains("same IP and MAC, new boot id", stdout, StringComparison.Ordinal);
        Assert.Contains("options requested-chassis=node1,node2 activation-strategy=rarp", stdout, StringComparison.Ordinal);
        Assert.Contains("controller (VMIM Succeeded): vm-fixed.vmnet-demo options requested-chassis=node2", stdout, StringComparison.Ordinal);
        Assert.Contains("Port_Binding vm-fixed.vmnet-demo on chassis node2; IP vm-fixed.vmnet-demo spec.nodeName=node2", stdout, StringComparison.Ordinal);
        Assert.Matches(@"MIGRATION GAP: ping \d+ ms", stdout);
        Assert.Matches(@"kubectl delete vm vm-random: 10\.100\.0\.\d+ released; VMI/launcher pods left: none", stdout);
        Assert.Contains("vmnet-controller (pid ", stdout, StringComparison.Ordinal);

        // Rig netns names start with the run id; none of this run's may survive.
        var runId = RunId().Match(stdout).Groups["id"].Value;
        Assert.False(string.IsNullOrEmpty(runId), "no rig id printed:\n" + stdout);
        var netnsAfter = await ListNetnsAsync();
        Assert.DoesNotContain(netnsAfter.Except(netnsBefore), n => n.StartsWith(runId, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "vmnet-rig-" + runId)), "run directory left behind");
    }

    [Fact]
    public async Task SigtermMidwayStopsEverythingTheDemoStarted()
    {
        var signalled = false;

        // Signal once the stack is up (step 3 starts), so there is something to tear down.
        var (exitCode, stdout, stderr) = await SandboxCli.RunAsync(
            stateDirectory,
            TimeSpan.FromMinutes(2),
            (pid, line) =>
            {
                if (!signalled && line.StartsWith("==> [3/", StringComparison.Ordinal))
                {
                    signalled = VmNet.Sandbox.Rig.ProcessSignals.SendTerm(pid);
                }
            },
            "demo",
            "--guests=netns");

        Assert.True(signalled, "the demo never reached step 3:\n" + stdout + stderr);
        Assert.Equal(130, exitCode);
        Assert.Contains("CANCELLED at", stdout, StringComparison.Ordinal);
        Assert.Matches(@"Stop everything the demo started \.\.\.\s+(?:.*\n)*?\s+ok", stdout);
        var runId = RunId().Match(stdout).Groups["id"].Value;
        Assert.False(string.IsNullOrEmpty(runId), "no rig id printed:\n" + stdout);
        Assert.DoesNotContain(await ListNetnsAsync(), n => n.StartsWith(runId, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), "vmnet-rig-" + runId)), "run directory left behind");
    }

    [Fact]
    public async Task DemoRefusesToRunWhileAnotherSandboxHoldsTheLock()
    {
        using var held = SandboxLock.Acquire(stateDirectory);

        var (exitCode, stdout, stderr) = await SandboxCli.RunAsync(stateDirectory, TimeSpan.FromMinutes(1), "demo");

        Assert.Equal(2, exitCode);
        Assert.Contains("another vmnet sandbox is running", stderr, StringComparison.Ordinal);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoSteps.SummaryPrefix, stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
    }

    private static async Task<IReadOnlyList<string>> ListNetnsAsync()
    {
        var result = await VmNet.Sandbox.Rig.CommandRunner.RunCheckedAsync("ip", ["netns", "list"], TimeSpan.FromSeconds(10));
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
    }

    [GeneratedRegex(@"DEMO SUMMARY: (?<passed>\d+)/(?<total>\d+) steps passed")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"rig (?<id>vn[0-9a-f]{5}) \(")]
    private static partial Regex RunId();
}
