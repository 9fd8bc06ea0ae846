using Microsoft.Extensions.Logging.Abstractions;
using VmNet.Controller.Attachments;
using VmNet.Controller.Dhcp;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.E2E.Daemon;
using VmNet.E2E.Rig;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.E2E.Multus;

/// <summary>
/// Our controller in-process on a daemon rig: the CRDs, then the addressing, attachments and DHCP modules against
/// the rig's Northbound DB (whose default topology the rig built; <see cref="RigSubnetModule"/> stands in for the
/// topology module). Disposing cancels it.
/// </summary>
public sealed class RigController : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public static async Task<RigController> StartAsync(DaemonRigFixture fixture)
    {
        foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
        {
            try
            {
                await fixture.Kube.CreateAsync(crd);
            }
            catch (KubeConflictException)
            {
                // Registered by an earlier test class on this rig.
            }
        }

        var options = new ControllerOptions
        {
            DisableLeaderElection = true,
            WorkerCount = 4,
            GcInterval = TimeSpan.FromHours(1),
            KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(200),
            DefaultSubnet = KubeOvnTopology.Switch,
            DefaultCidr = KubeOvnTopology.Cidr,
            ClusterRouter = KubeOvnTopology.Router,
            NorthboundAddress = fixture.Central.NorthboundConnection,
        };
        var controller = new RigController();
        var host = new ControllerHost(options, fixture.Kube, NullLoggerFactory.Instance, modules: [new RigSubnetModule(), new AddressingModule(), new AttachmentsModule(), new DhcpModule()]);
        controller._run = Task.Run(() => host.RunAsync(controller._stop.Token));
        var started = await Task.WhenAny(host.Started, controller._run).WaitAsync(TimeSpan.FromSeconds(60));
        if (started == controller._run)
        {
            await controller._run;
        }

        return controller;
    }

    /// <summary>Creates the object unless an earlier test on this rig did.</summary>
    public static async Task CreateOnceAsync<T>(DaemonRigFixture fixture, T obj)
        where T : class, IKubeResourceObject
    {
        try
        {
            await fixture.Kube.CreateAsync(obj);
        }
        catch (KubeConflictException)
        {
            // Already there.
        }
    }

    public static V1Subnet Subnet(string name, string cidr, string provider) => new()
    {
        ApiVersion = "kubeovn.io/v1",
        Kind = "Subnet",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1SubnetSpec { CidrBlock = cidr, Provider = provider, DisableGatewayCheck = true },
    };

    public static V1NetworkAttachmentDefinition Nad(string ns, string name) => new()
    {
        ApiVersion = "k8s.cni.cncf.io/v1",
        Kind = "NetworkAttachmentDefinition",
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1NetworkAttachmentDefinitionSpec { Config = $$"""{"cniVersion":"1.0.0","type":"kube-ovn","server_socket":"/run/vmnet.sock","provider":"{{name}}.{{ns}}.ovn"}""" },
    };

    /// <summary>The NAD config as Multus hands it to the CNI binary on <paramref name="node"/>.</summary>
    public static string NetConf(DaemonRigFixture fixture, Sandbox.Rig.OvsNode node, string provider) =>
        $$"""{"cniVersion":"1.0.0","name":"{{provider}}","type":"kube-ovn","server_socket":"{{fixture.SocketPath(node)}}","provider":"{{provider}}","daemon_timeout_seconds":90}""";

    /// <summary>Waits until every provider is allocated on the pod; returns its annotations.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> WaitAllocatedAsync(DaemonRigFixture fixture, string ns, string name, IEnumerable<string> providers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var pod = await fixture.Kube.GetAsync<V1Pod>(ns, name);
            var a = pod.Metadata?.Annotations ?? [];
            if (providers.All(p => a.GetValueOrDefault($"{p}.kubernetes.io/allocated") == "true"))
            {
                return a;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"pod {ns}/{name} not allocated: {string.Join(", ", a.Select(p => p.Key + "=" + p.Value))}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
