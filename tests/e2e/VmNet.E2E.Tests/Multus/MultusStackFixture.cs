using System.Globalization;
using VmNet.Controller.Hosting;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;
using VmNet.TestSupport;

namespace VmNet.E2E.Multus;

/// <summary>
/// One <see cref="VmNetStack"/> for the class, nothing played: the real vmnet-controller process (its topology
/// module makes ovn-cluster, ovn-default and join; test Subnets get real switches, router ports and ACLs) and one
/// real vmnet-daemon process per node. Tests play kubelet and Multus: they create pods and call the CNI binary once
/// per network with that network's config. KubeVirt's VMI and migration CRDs are added (the stack applies VMs only).
/// </summary>
public sealed class MultusStackFixture : IAsyncLifetime
{
    public const string Ns = "default";

    // Tests call the CNI only after the allocation is on the pod; the timeout matters only for the bad-input
    // cases, where it is the time until the CNI call fails.
    private static readonly TimeSpan AnnotationTimeout = TimeSpan.FromSeconds(4);
    private VmNetStack? _stack;
    private int _counter;

    public VmNetStack Stack => _stack ?? throw new InvalidOperationException("the stack is not started");

    public KubeClient Kube => Stack.Kube;

    public Sandbox.Rig.Rig Rig => Stack.Rig;

    public OvnCentral Central => Stack.Rig.Central;

    public OvsNode Node1 => Stack.Nodes[0];

    public OvsNode Node2 => Stack.Nodes[1];

    public string LogPath => Stack.ControllerLogPath;

    public string SocketPath(OvsNode node) => Stack.Daemon(node).SocketPath;

    public string NewName(string label) => $"{label}-{Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture)}-{Rig.RunId.Value}";

    /// <summary>A pod netns recorded in the rig manifest (so a crashed run is cleaned too).</summary>
    public async Task<string> NewNetnsAsync()
    {
        var name = Rig.RunId.Value + "m" + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        Rig.Manifest.RecordNetns(name);
        await NetworkNamespace.AddAsync(name, CancellationToken.None);
        return name;
    }

    /// <summary>Creates the object unless it is there already.</summary>
    public async Task CreateOnceAsync<T>(T obj)
        where T : class, IKubeResourceObject
    {
        try
        {
            await Kube.CreateAsync(obj);
        }
        catch (KubeConflictException)
        {
            // Already there.
        }
    }

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync();
        _stack = await VmNetStack.StartAsync(new StackOptions { RepositoryRoot = TestPaths.RepoRoot, AnnotationTimeout = AnnotationTimeout });
        foreach (var crd in ControllerCrds.All)
        {
            await CreateOnceAsync(crd);
        }
    }

    /// <summary>Waits until the controller reports the subnet Ready (its switch, router port and ACLs are in place).</summary>
    public async Task WaitSubnetReadyAsync(string subnet)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var current = await Kube.GetAsync<V1Subnet>(null, subnet);
            if (KubeOvnConditions.IsTrue(current.Status?.Conditions, KubeOvnConditions.Ready))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"subnet {subnet} not ready after 60s: {string.Join("; ", (current.Status?.Conditions ?? []).Select(c => $"{c.Type}={c.Status} {c.Message}"))}\n{Stack.Diagnostics()}");
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}
