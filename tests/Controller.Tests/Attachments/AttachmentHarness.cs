using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Controller.Attachments;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Tests.Addressing;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.Controller.Tests.Attachments;

/// <summary>
/// In-process API server with the CRDs, a real OVN_Northbound ovsdb-server, and a controller running the test
/// topology stand-in, the addressing module and the Multus attachments module.
/// </summary>
public sealed class AttachmentHarness : IAsyncDisposable
{
    private readonly NorthboundOvsdbFixture _northbound;
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    private AttachmentHarness(KubeApiServer server, KubeClient client, NorthboundOvsdbFixture northbound)
    {
        Server = server;
        Client = client;
        _northbound = northbound;
    }

    public KubeApiServer Server { get; }

    public KubeClient Client { get; }

    public ControllerContext? Context { get; private set; }

    /// <param name="extraModules">Modules run next to the attachment ones (e.g. live migration).</param>
    public static async Task<AttachmentHarness> StartAsync(params IControllerModule[] extraModules)
    {
        var server = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await server.StartAsync();
        var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
        {
            await client.CreateAsync(crd);
        }

        var northbound = new NorthboundOvsdbFixture();
        await northbound.InitializeAsync();
        var harness = new AttachmentHarness(server, client, northbound);
        await harness.StartControllerAsync(extraModules);
        return harness;
    }

    private async Task StartControllerAsync(IControllerModule[] extraModules)
    {
        var options = new ControllerOptions
        {
            DisableLeaderElection = true,
            WorkerCount = 4,
            GcInterval = TimeSpan.FromHours(1),
            KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(100),
            DefaultCidr = "10.16.0.0/16",
            NorthboundAddress = _northbound.UnixConnection,
        };
        var host = new ControllerHost(options, Client, NullLoggerFactory.Instance, modules: [new TopologyModule(), new AddressingModule(), new AttachmentsModule(), new VmNet.Controller.Dhcp.DhcpModule(), .. extraModules]);
        _run = Task.Run(() => host.RunAsync(_stop.Token), CancellationToken.None);
        var started = await Task.WhenAny(host.Started, _run).WaitAsync(TimeSpan.FromSeconds(60));
        if (started == _run)
        {
            await _run;
        }

        Context = await host.Started;
        await Context.KubeVirt.WhenAvailableAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await Context.Informers.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static V1Subnet Subnet(string name, string cidr, string provider)
    {
        var subnet = KubeTestObjects.Subnet(name, cidr);
        subnet.Spec!.Provider = provider;
        return subnet;
    }

    public static V1NetworkAttachmentDefinition Nad(string ns, string name, string config) => new()
    {
        ApiVersion = "k8s.cni.cncf.io/v1",
        Kind = "NetworkAttachmentDefinition",
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1NetworkAttachmentDefinitionSpec { Config = config },
    };

    public static string OvnConfig(string ns, string name) =>
        $$"""{"cniVersion":"0.3.1","type":"kube-ovn","server_socket":"/run/openvswitch/kube-ovn-daemon.sock","provider":"{{name}}.{{ns}}.ovn"}""";

    public async Task<string?> LspColumnAsync(string port, string column)
    {
        var result = await CommandRunner.RunAsync("ovn-nbctl", ["--db=" + _northbound.UnixConnection, "--if-exists", "get", "Logical_Switch_Port", port, column]);
        return result.Succeeded && result.Stdout.Trim().Length > 0 ? result.Stdout.Trim() : null;
    }

    public async Task<string> NbctlAsync(params string[] args) =>
        (await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + _northbound.UnixConnection, .. args])).Stdout.Trim();

    public async Task<V1IP?> GetIpAsync(string name)
    {
        try
        {
            return await Client.GetAsync<V1IP>(null, name);
        }
        catch (KubeNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Waits until every provider in <paramref name="providers"/> is allocated on the pod.</summary>
    public async Task<V1Pod> WaitAllocatedAsync(string ns, string name, params string[] providers)
    {
        V1Pod? pod = null;
        await AddressingHarness.WaitUntilAsync(async () =>
        {
            pod = await Client.GetAsync<V1Pod>(ns, name);
            var a = pod.Metadata?.Annotations;
            return a is not null && providers.All(p => a.GetValueOrDefault($"{p}.kubernetes.io/allocated") == "true");
        }, TimeSpan.FromSeconds(30), $"pod {ns}/{name} allocated on {string.Join(",", providers)}");
        return pod!;
    }

    /// <summary>Starts a VM as KubeVirt does: a VMI owned by the VM and a launcher pod owned by the VMI.</summary>
    public async Task StartVmAsync(string ns, string vm, string launcher, Dictionary<string, string> annotations, string node = "node-1")
    {
        var vmObject = await Client.GetAsync<V1VirtualMachine>(ns, vm);
        var vmi = await Client.CreateAsync(KubeTestObjects.Vmi(ns, vm, vmObject.Metadata!.Uid));
        await Client.CreateAsync(KubeTestObjects.Launcher(ns, vm, launcher, node, new Dictionary<string, string>(annotations), vmi.Metadata!.Uid));
    }

    public async Task StopVmAsync(string ns, string vm)
    {
        try
        {
            await Client.DeleteAsync<V1VirtualMachineInstance>(ns, vm);
        }
        catch (KubeNotFoundException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        Client.Dispose();
        await Server.DisposeAsync();
        await _northbound.DisposeAsync();
    }
}
