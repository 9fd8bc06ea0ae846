using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Dpdk;

/// <summary>
/// The controller of a system without multi-chassis migration support (the bench's "naive" flow): it watches
/// VirtualMachineInstances through the API server and keeps each watched VM's logical port bound to the VMI's
/// <c>status.nodeName</c> alone, so a migrated VM's port follows only once KubeVirt moved nodeName after completion.
/// </summary>
public sealed class NaiveRebinder : IAsyncDisposable
{
    private readonly DpdkClusterFixture fixture;
    private readonly IReadOnlyDictionary<string, string> logicalPorts;
    private readonly TimeSpan reaction;
    private readonly Dictionary<string, string> bound = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    /// <param name="logicalPorts">VMI name -> its LSP; other VMIs are left to our controller.</param>
    /// <param name="reaction">Extra delay before a move is written (a real controller's queue and resync latency).</param>
    public NaiveRebinder(DpdkClusterFixture fixture, IReadOnlyDictionary<string, string> logicalPorts, TimeSpan reaction = default)
    {
        this.fixture = fixture;
        this.logicalPorts = logicalPorts;
        this.reaction = reaction;
        loop = Task.Run(() => RunAsync(stop.Token));
    }

    /// <summary>List, watch or rebind failures so far (after each the loop lists and watches again).</summary>
    public int Errors { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await fixture.Kube.ListAsync<V1VirtualMachineInstance>(DpdkClusterFixture.Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var vmi in list.Items)
                {
                    await ReactAsync(vmi, cancellationToken).ConfigureAwait(false);
                }

                var options = new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion };
                await foreach (var e in fixture.Kube.WatchAsync<V1VirtualMachineInstance>(DpdkClusterFixture.Ns, options, cancellationToken).ConfigureAwait(false))
                {
                    if (e.Type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        await ReactAsync(e.Object, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Errors++;
                Console.Error.WriteLine("naive rebinder: " + e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ReactAsync(V1VirtualMachineInstance vmi, CancellationToken cancellationToken)
    {
        if (vmi.Metadata?.Name is not { } name || !logicalPorts.TryGetValue(name, out var lsp) || vmi.Status?.NodeName is not { Length: > 0 } node
            || bound.GetValueOrDefault(name) == node)
        {
            return;
        }

        if (reaction > TimeSpan.Zero && bound.ContainsKey(name))
        {
            await Task.Delay(reaction, cancellationToken).ConfigureAwait(false);
        }

        await fixture.Rig.Central.NbctlAsync(["lsp-set-options", lsp, "requested-chassis=" + node], cancellationToken).ConfigureAwait(false);
        bound[name] = node;
    }
}
