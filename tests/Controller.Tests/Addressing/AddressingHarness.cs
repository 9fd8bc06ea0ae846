using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VmNet.ApiServer;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Northbound;
using VmNet.Sandbox.Rig;
using VmNet.TestSupport;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// One test's world: an in-process API server with the kubeovn.io / kubevirt.io / NAD CRDs, a real OVN_Northbound
/// ovsdb-server, and the controller (test topology stand-in + the addressing module) that can be killed and
/// started again any number of times against the same API server and database.
/// </summary>
public sealed class AddressingHarness : IAsyncDisposable
{
    private readonly NorthboundOvsdbFixture _northbound;
    private CancellationTokenSource? _controllerStop;
    private Task? _controllerRun;

    private AddressingHarness(KubeApiServer server, KubeClient client, NorthboundOvsdbFixture northbound)
    {
        Server = server;
        Client = client;
        _northbound = northbound;
    }

    public KubeApiServer Server { get; }

    public KubeClient Client { get; }

    public string NorthboundDb => _northbound.UnixConnection;

    public ControllerContext? Context { get; private set; }

    public AddressingModule? Module { get; private set; }

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Further modules the controller runs after topology and addressing (e.g. migrations); made per start.</summary>
    public Func<IReadOnlyList<IControllerModule>> ExtraModules { get; set; } = static () => [];

    public static async Task<AddressingHarness> StartAsync()
    {
        var server = new KubeApiServer(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await server.StartAsync();
        var client = new KubeClient(new KubeConfig(server.BaseAddress), new KubeClientOptions
        {
            MaxRetryAttempts = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            RequestTimeout = TimeSpan.FromSeconds(30),
        });
        foreach (var crd in VmNet.TestSupport.ControllerCrds.All)
        {
            await client.CreateAsync(crd);
        }

        var northbound = new NorthboundOvsdbFixture();
        await northbound.InitializeAsync();
        return new AddressingHarness(server, client, northbound);
    }

    public ControllerOptions Options { get; set; } = new()
    {
        DisableLeaderElection = true,
        WorkerCount = 8,
        GcInterval = TimeSpan.FromHours(1),
        KubeVirtDiscoveryInterval = TimeSpan.FromMilliseconds(100),
        DefaultCidr = "10.16.0.0/16",
    };

    /// <summary>Starts a fresh controller (new IPAM, rebuilt from the API) and waits until its workers run and KubeVirt is found.</summary>
    public async Task StartControllerAsync(AddressingStepHook? stepHook = null, CancellationToken cancellationToken = default)
    {
        if (_controllerRun is not null)
        {
            throw new InvalidOperationException("controller already running");
        }

        var module = stepHook is null ? new AddressingModule() : new AddressingModule(stepHook);
        var host = new ControllerHost(Options with { NorthboundAddress = NorthboundDb }, Client, LoggerFactory, modules: [new TopologyModule(), module, .. ExtraModules()]);
        _controllerStop = new CancellationTokenSource();
        _controllerRun = Task.Run(() => host.RunAsync(_controllerStop.Token), CancellationToken.None);
        var started = await Task.WhenAny(host.Started, _controllerRun).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (started == _controllerRun)
        {
            await _controllerRun;
        }

        Context = await host.Started;
        Module = module;
        await Context.KubeVirt.WhenAvailableAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await Context.Informers.WaitForCacheSyncAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>Kills the controller abruptly (cancellation mid-flight); whatever it was doing stays half-done.</summary>
    public async Task StopControllerAsync()
    {
        if (_controllerRun is null)
        {
            return;
        }

        await _controllerStop!.CancelAsync();
        try
        {
            await _controllerRun.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        _controllerStop.Dispose();
        _controllerRun = null;
        _controllerStop = null;
        Context = null;
        Module = null;
    }

    public async Task<string> NbctlAsync(params string[] args)
    {
        var result = await CommandRunner.RunCheckedAsync("ovn-nbctl", ["--db=" + NorthboundDb, .. args]);
        return result.Stdout.Trim();
    }

    /// <summary>The LSP's column as ovn-nbctl prints it, or null when the port does not exist.</summary>
    public async Task<string?> LspColumnAsync(string port, string column)
    {
        var result = await CommandRunner.RunAsync("ovn-nbctl", ["--db=" + NorthboundDb, "--if-exists", "get", "Logical_Switch_Port", port, column]);
        return result.Succeeded && result.Stdout.Trim().Length > 0 ? result.Stdout.Trim() : null;
    }

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

    public async Task<V1Pod> GetPodAsync(string ns, string name) => await Client.GetAsync<V1Pod>(ns, name);

    /// <summary>Waits until the pod carries <c>allocated=true</c> and <c>routed=true</c>.</summary>
    public async Task<V1Pod> WaitAddressedAsync(string ns, string name, TimeSpan? timeout = null)
    {
        V1Pod? pod = null;
        await WaitUntilAsync(async () =>
        {
            pod = await GetPodAsync(ns, name);
            var a = pod.Metadata?.Annotations;
            return a is not null && a.GetValueOrDefault("ovn.kubernetes.io/allocated") == "true" && a.GetValueOrDefault("ovn.kubernetes.io/routed") == "true";
        }, timeout, $"pod {ns}/{name} addressed");
        return pod!;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string what = "condition")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }

    public async Task<V1VirtualMachineInstance> StartVmAsync(string ns, string vm, string launcher, Dictionary<string, string>? annotations = null, string node = "node-1")
    {
        var vmObject = await Client.GetAsync<V1VirtualMachine>(ns, vm);
        var vmi = await Client.CreateAsync(KubeTestObjects.Vmi(ns, vm, vmObject.Metadata!.Uid));
        var templateAnnotations = vmObject.Spec?.Template?.Metadata?.Annotations;
        var podAnnotations = templateAnnotations is null ? annotations : new Dictionary<string, string>(templateAnnotations);
        if (annotations is not null && podAnnotations is not null && !ReferenceEquals(podAnnotations, annotations))
        {
            foreach (var (k, v) in annotations)
            {
                podAnnotations[k] = v;
            }
        }

        await Client.CreateAsync(KubeTestObjects.Launcher(ns, vm, launcher, node, podAnnotations, vmi.Metadata!.Uid));
        return vmi;
    }

    /// <summary>Stops a VM as KubeVirt does: the VMI goes and takes its launcher pod with it.</summary>
    public async Task StopVmAsync(string ns, string vm)
    {
        try
        {
            await Client.DeleteAsync<V1VirtualMachineInstance>(ns, vm);
        }
        catch (KubeNotFoundException)
        {
            // Already gone with its VM.
        }
    }

    public int LspCount() => Context?.Northbound.Cache.Count(LogicalSwitchPort.Table) ?? -1;

    public async ValueTask DisposeAsync()
    {
        await StopControllerAsync();
        Client.Dispose();
        await Server.DisposeAsync();
        await _northbound.DisposeAsync();
    }
}
