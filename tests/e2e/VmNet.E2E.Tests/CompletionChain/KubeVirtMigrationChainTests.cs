using System.Text.Json;
using VmNet.ApiServer;
using VmNet.Kube;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.CompletionChain;

/// <summary>
/// The KubeVirt completion chain both migration benchmark modes rely on (<see cref="KubeVirtCompletionChain"/>), against
/// an in-process API server and without QEMU: each hop waits for its cause (RESUME on the target; the target ready and
/// the source's job done; the VMI completed), and each is its own API write, seen in that order by a watch.
/// </summary>
public sealed class KubeVirtMigrationChainTests : IAsyncLifetime
{
    private const string Ns = "default";
    private const string Vmi = "cvm";
    private const string Vmim = "cvm-mig-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Long enough for a hop that was (wrongly) free to go to land; the API round trips here take about 1 ms.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly KubeApiServer _server = new(new ApiServerOptions());
    private KubeClient _kube = null!;
    private string _uid = string.Empty;

    public async Task InitializeAsync()
    {
        await _server.StartAsync(CancellationToken.None);
        _kube = new KubeClient(new KubeConfig(_server.BaseAddress), new KubeClientOptions { RequestTimeout = Timeout });
        foreach (var crd in TestSupport.ControllerCrds.All)
        {
            await _kube.CreateAsync(crd);
        }

        await _kube.CreateAsync(new V1VirtualMachineInstance
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstance",
            Metadata = new V1ObjectMeta { Name = Vmi, Namespace = Ns },
            Spec = new V1VirtualMachineInstanceSpec(),
        });
        var vmim = await _kube.CreateAsync(new V1VirtualMachineInstanceMigration
        {
            ApiVersion = "kubevirt.io/v1",
            Kind = "VirtualMachineInstanceMigration",
            Metadata = new V1ObjectMeta { Name = Vmim, Namespace = Ns },
            Spec = new V1VirtualMachineInstanceMigrationSpec { VmiName = Vmi },
        });
        _uid = vmim.Metadata!.Uid!;
        await _kube.PatchStatusAsync<V1VirtualMachineInstanceMigration>(Ns, Vmim, KubePatch.Merge(JsonNodeOf("""{"status":{"phase":"Running"}}""")));
        var state = new System.Text.Json.Nodes.JsonObject { ["migrationUid"] = _uid, ["sourceNode"] = "node1", ["targetNode"] = "node2", ["completed"] = false, ["failed"] = false };
        var status = new System.Text.Json.Nodes.JsonObject { ["phase"] = "Running", ["nodeName"] = "node1", ["migrationState"] = state };
        await _kube.PatchStatusAsync<V1VirtualMachineInstance>(Ns, Vmi, KubePatch.Merge(new System.Text.Json.Nodes.JsonObject { ["status"] = status }));
    }

    public async Task DisposeAsync()
    {
        _kube.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task EachHopWaitsForItsCauseAndIsItsOwnApiWriteInOrder()
    {
        using var stop = new CancellationTokenSource(Timeout);
        var observed = new List<(long Revision, string Step)>();
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = RecordAsync(observed, watching, stop.Token);
        await watching.Task.WaitAsync(Timeout);
        var signals = new MigrationSignals();
        await using var chain = await KubeVirtCompletionChain.StartAsync(_kube, Migration(), signals, reportSucceeded: true, Timeout, stop.Token);

        // Before RESUME only the incoming domain is known on the target; the source finishing its job changes nothing yet.
        await WaitUntilAsync(async () => Field((await _kube.GetAsync<V1VirtualMachineInstance>(Ns, Vmi)).Status!.MigrationState!, "targetNodeDomainDetected") is { ValueKind: JsonValueKind.True });
        signals.ReportSourceCompleted(DateTimeOffset.UtcNow);
        await Task.Delay(Settle);
        var before = (await _kube.GetAsync<V1VirtualMachineInstance>(Ns, Vmi)).Status!.MigrationState!;
        Assert.Null(Field(before, "targetNodeDomainReadyTimestamp"));
        Assert.NotEqual(true, before.Completed);
        Assert.Equal("Running", (await _kube.GetAsync<V1VirtualMachineInstanceMigration>(Ns, Vmim)).Status!.Phase);

        var resumed = DateTimeOffset.UtcNow;
        signals.ReportTargetResumed(resumed);
        var hops = await chain.WaitAsync(stop.Token);
        Assert.Equal(resumed, hops.Resumed);
        Assert.True(resumed <= hops.TargetReady && hops.TargetReady <= hops.VmiCompleted && hops.VmiCompleted <= hops.VmimSucceeded, $"hops out of order: {hops}");

        var vmi = await _kube.GetAsync<V1VirtualMachineInstance>(Ns, Vmi);
        Assert.Equal(("node2", true), (vmi.Status!.NodeName, vmi.Status.MigrationState!.Completed));
        Assert.NotNull(vmi.Status.MigrationState.EndTimestamp);
        Assert.Equal("Succeeded", (await _kube.GetAsync<V1VirtualMachineInstanceMigration>(Ns, Vmim)).Status!.Phase);

        // Watchers saw three distinct writes, in the chain's order (by resourceVersion).
        await WaitUntilAsync(() => Task.FromResult(Snapshot(observed).Contains("VMIM Succeeded")));
        var seen = Snapshot(observed);
        var ready = seen.IndexOf("VMI target ready");
        var completed = seen.IndexOf("VMI completed on node2");
        var succeeded = seen.IndexOf("VMIM Succeeded");
        Assert.True(ready >= 0 && ready < completed && completed < succeeded, $"watch saw: {string.Join(" | ", seen)}");
        await stop.CancelAsync();
        await recorder;
    }

    [Fact]
    public async Task WithSucceededHeldBackTheVmiCompletesAndTheVmimStaysRunning()
    {
        var signals = new MigrationSignals();
        await using var chain = await KubeVirtCompletionChain.StartAsync(_kube, Migration(), signals, reportSucceeded: false, Timeout, CancellationToken.None);
        signals.ReportTargetResumed(DateTimeOffset.UtcNow);
        signals.ReportSourceCompleted(DateTimeOffset.UtcNow);
        var hops = await chain.WaitAsync(CancellationToken.None);
        Assert.Null(hops.VmimSucceeded);
        Assert.True((await _kube.GetAsync<V1VirtualMachineInstance>(Ns, Vmi)).Status!.MigrationState!.Completed);
        await Task.Delay(Settle);
        Assert.Equal("Running", (await _kube.GetAsync<V1VirtualMachineInstanceMigration>(Ns, Vmim)).Status!.Phase);
    }

    [Fact]
    public async Task AnAbandonedMigrationNeverCompletes()
    {
        var signals = new MigrationSignals();
        var chain = await KubeVirtCompletionChain.StartAsync(_kube, Migration(), signals, reportSucceeded: true, Timeout, CancellationToken.None);
        signals.Abandon();
        await chain.DisposeAsync();
        var state = (await _kube.GetAsync<V1VirtualMachineInstance>(Ns, Vmi)).Status!.MigrationState!;
        Assert.NotEqual(true, state.Completed);
        Assert.Null(Field(state, "targetNodeDomainReadyTimestamp"));
        Assert.Equal("Running", (await _kube.GetAsync<V1VirtualMachineInstanceMigration>(Ns, Vmim)).Status!.Phase);
    }

    private KubeVirtMigration Migration() => new(Ns, Vmi, Vmim, _uid, "node1", "node2");

    /// <summary>Names each change a watch delivers on the VMI and VMIM that is a step of the chain.</summary>
    private async Task RecordAsync(List<(long Revision, string Step)> observed, TaskCompletionSource watching, CancellationToken cancellationToken)
    {
        var vmis = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in _kube.WatchAsync<V1VirtualMachineInstance>(Ns, null, cancellationToken))
                {
                    watching.TrySetResult();
                    var state = change.Object.Status?.MigrationState;
                    if (state?.Completed == true)
                    {
                        Add(observed, "VMI completed on " + change.Object.Status!.NodeName, change.Object.Metadata);
                    }
                    else if (state is not null && Field(state, "targetNodeDomainReadyTimestamp") is { ValueKind: JsonValueKind.String })
                    {
                        Add(observed, "VMI target ready", change.Object.Metadata);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Done recording.
            }
        });
        var vmims = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in _kube.WatchAsync<V1VirtualMachineInstanceMigration>(Ns, null, cancellationToken))
                {
                    if (change.Object.Status?.Phase == "Succeeded")
                    {
                        Add(observed, "VMIM Succeeded", change.Object.Metadata);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Done recording.
            }
        });
        await Task.WhenAll(vmis, vmims);
    }

    // Two watches deliver independently, so arrival order says nothing about write order: each step is recorded with
    // the resourceVersion of the write that showed it (one store-wide revision, as etcd's) and listed in that order.
    private static void Add(List<(long Revision, string Step)> observed, string step, V1ObjectMeta? metadata)
    {
        var revision = long.Parse(metadata?.ResourceVersion ?? throw new InvalidOperationException(step + ": no resourceVersion"), System.Globalization.CultureInfo.InvariantCulture);
        lock (observed)
        {
            if (!observed.Exists(o => o.Step == step))
            {
                observed.Add((revision, step));
            }
        }
    }

    private static List<string> Snapshot(List<(long Revision, string Step)> observed)
    {
        lock (observed)
        {
            return [.. observed.OrderBy(o => o.Revision).Select(o => o.Step)];
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    private static JsonElement? Field(V1VirtualMachineInstanceMigrationState state, string name) =>
        state.AdditionalProperties.TryGetValue(name, out var value) && value is JsonElement { ValueKind: not JsonValueKind.Null } element ? element : null;

    private static System.Text.Json.Nodes.JsonObject JsonNodeOf(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
}
