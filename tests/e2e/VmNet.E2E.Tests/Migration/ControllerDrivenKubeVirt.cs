using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Controller.Migrations;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.KubeVirt.Migration;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.Migration;

/// <summary>
/// The VmNet controller (migration module only) against the rig's real Northbound, and an in-process API server
/// in which the test plays KubeVirt: it creates the VMI, each VMIM and target launcher pod, and advances phases.
/// <see cref="Switchover"/> plugs this into the QEMU harness, so the controller's NB writes drive the port.
/// </summary>
public sealed class ControllerDrivenKubeVirt : IAsyncDisposable
{
    public const string Ns = "default";

    private readonly KubeApiServer _server;
    private readonly CancellationTokenSource _stop;
    private readonly Task _run;
    private readonly string _vmi;
    private int _migrations;
    private V1VirtualMachineInstanceMigration? _current;
    private string? _targetPod;

    private ControllerDrivenKubeVirt(KubeApiServer server, KubeClient client, CancellationTokenSource stop, Task run, string vmi)
    {
        _server = server;
        _stop = stop;
        Client = client;
        _run = run;
        _vmi = vmi;
    }

    public KubeClient Client { get; }

    /// <summary>Starts the API server and the controller, and registers the VM whose LSP <paramref name="logicalPort"/> runs on <paramref name="node"/>.</summary>
    public static async Task<ControllerDrivenKubeVirt> StartAsync(string northbound, Func<string[], Task> nbctl, string logicalPort, string vmi, string node, TimeSpan activationGrace)
    {
        var server = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await server.StartAsync();
        var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        foreach (var (group, plural, kind, scope) in new[]
        {
            ("kubeovn.io", "subnets", "Subnet", "Cluster"), ("kubeovn.io", "ips", "IP", "Cluster"), ("kubeovn.io", "vpcs", "Vpc", "Cluster"),
            ("k8s.cni.cncf.io", "network-attachment-definitions", "NetworkAttachmentDefinition", "Namespaced"),
            ("kubevirt.io", "virtualmachines", "VirtualMachine", "Namespaced"),
            ("kubevirt.io", "virtualmachineinstances", "VirtualMachineInstance", "Namespaced"),
            ("kubevirt.io", "virtualmachineinstancemigrations", "VirtualMachineInstanceMigration", "Namespaced"),
        })
        {
            await client.CreateAsync(Crd(group, plural, kind, scope));
        }

        // The rig created the port; the addressing module would have written the VM's ownership.
        await nbctl(["set", "Logical_Switch_Port", logicalPort, $"external_ids:pod={Ns}/{vmi}"]);
        await client.CreateAsync(new V1VirtualMachineInstance
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstance",
            Metadata = new V1ObjectMeta { Name = vmi, Namespace = Ns },
            Spec = new V1VirtualMachineInstanceSpec(),
        });
        await client.PatchStatusAsync<V1VirtualMachineInstance>(Ns, vmi, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running", ["nodeName"] = node } }));

        var options = new ControllerOptions
        {
            DisableLeaderElection = true,
            WorkerCount = 2,
            GcInterval = TimeSpan.FromHours(1),
            KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(100),
            DefaultCidr = "10.16.0.0/16",
            NorthboundAddress = northbound,
        };
        var host = new ControllerHost(options, client, NullLoggerFactory.Instance, modules: [new MigrationModule(activationGrace, ActivationStrategyPolicy.Default)]);
        var stop = new CancellationTokenSource();
        var world = new ControllerDrivenKubeVirt(server, client, stop, Task.Run(() => host.RunAsync(stop.Token)), vmi);
        var context = await host.Started.WaitAsync(TimeSpan.FromSeconds(60));
        await context.KubeVirt.WhenAvailableAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await context.Informers.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        return world;
    }

    /// <summary>The harness hooks: KubeVirt's side of a migration, as API objects the controller watches.</summary>
    public ControllerSwitchover Switchover(TimeSpan timeout, bool abortByDeletingVmim = false) => new(
        async (c, token) =>
        {
            var name = $"mig-{++_migrations}";
            _current = await Client.CreateAsync(new V1VirtualMachineInstanceMigration
            {
                ApiVersion = "kubevirt.io/v1",
                Kind = "VirtualMachineInstanceMigration",
                Metadata = new V1ObjectMeta { Name = name, Namespace = Ns },
                Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = _vmi },
            }, token);
            await SetPhaseAsync(MigrationPhases.Scheduling, token);
            var vmi = await Client.GetAsync<V1VirtualMachineInstance>(Ns, _vmi, token);
            _targetPod = $"virt-launcher-{_vmi}-{name}";
            await Client.CreateAsync(new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta
                {
                    Name = _targetPod,
                    Namespace = Ns,
                    Labels = new Dictionary<string, string> { [MigrationFinder.MigrationJobUidLabel] = _current.Metadata!.Uid! },
                    Annotations = new Dictionary<string, string> { [MigrationFinder.MigrationJobNameAnnotation] = name },
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = _vmi, Uid = vmi.Metadata!.Uid!, Controller = true }],
                },
                Spec = new V1PodSpec { NodeName = c.TargetChassis, Containers = [new V1Container { Name = "compute", Image = "virt-launcher" }] },
            }, token);
            await SetVmiAsync(c.SourceChassis, State(c, completed: false, failed: false), token);
            await SetPhaseAsync(MigrationPhases.Running, token);
        },
        async (c, token) =>
        {
            await SetVmiAsync(c.TargetChassis, State(c, completed: true, failed: false), token);
            await SetPhaseAsync(MigrationPhases.Succeeded, token);
        },
        async (c, token) =>
        {
            if (abortByDeletingVmim)
            {
                await SetVmiAsync(c.SourceChassis, State(c, completed: false, failed: false, abortStatus: "Succeeded"), token);
                await Client.DeleteAsync<V1VirtualMachineInstanceMigration>(Ns, _current!.Metadata!.Name!, cancellationToken: token);
            }
            else
            {
                await SetVmiAsync(c.SourceChassis, State(c, completed: false, failed: true), token);
                await SetPhaseAsync(MigrationPhases.Failed, token);
            }

            await Client.DeleteAsync<V1Pod>(Ns, _targetPod!, cancellationToken: token);
        },
        timeout);

    private JsonObject State(PortSwitchoverContext c, bool completed, bool failed, string? abortStatus = null) => new()
    {
        ["migrationUid"] = _current!.Metadata!.Uid,
        ["sourceNode"] = c.SourceChassis,
        ["targetNode"] = c.TargetChassis,
        ["completed"] = completed,
        ["failed"] = failed,
        ["abortStatus"] = abortStatus,
    };

    private Task SetPhaseAsync(string phase, CancellationToken token) =>
        Client.PatchStatusAsync<V1VirtualMachineInstanceMigration>(Ns, _current!.Metadata!.Name!, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }), token);

    private Task SetVmiAsync(string node, JsonObject state, CancellationToken token) =>
        Client.PatchStatusAsync<V1VirtualMachineInstance>(Ns, _vmi, KubePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["nodeName"] = node, ["migrationState"] = state } }), token);

    private static V1CustomResourceDefinition Crd(string group, string plural, string kind, string scope) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{plural}.{group}" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = group,
            Scope = scope,
            Names = new V1CustomResourceDefinitionNames { Plural = plural, Kind = kind, Singular = kind.ToLowerInvariant() },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Schema = new V1CustomResourceValidation { OpenAPIV3Schema = JsonNode.Parse("""{"type":"object","x-kubernetes-preserve-unknown-fields":true}""") },
                    Subresources = new V1CustomResourceSubresources { Status = new JsonObject() },
                },
            ],
        },
    };

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
        Client.Dispose();
        await _server.DisposeAsync();
    }
}
