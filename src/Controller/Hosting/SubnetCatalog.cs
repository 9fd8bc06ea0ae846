using System.Collections.Concurrent;
using VmNet.Controller.Runtime.Informers;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;

namespace VmNet.Controller.Hosting;

/// <summary>How <see cref="SubnetCatalog.ResolveForPod"/> chose a subnet.</summary>
public enum SubnetChoice
{
    /// <summary>The pod's <c>&lt;provider&gt;.kubernetes.io/logical_switch</c> annotation.</summary>
    Annotation,

    /// <summary>A Subnet listing the pod's namespace in <c>spec.namespaces</c>.</summary>
    NamespaceBinding,

    /// <summary>The <c>spec.defaultSubnet</c> of a Vpc listing the pod's namespace in <c>spec.namespaces</c>.</summary>
    VpcDefault,

    /// <summary>The namespace's <c>ovn.kubernetes.io/logical_switch</c> annotation (first entry).</summary>
    NamespaceAnnotation,

    /// <summary>The only Subnet whose <c>spec.provider</c> is the attachment's provider.</summary>
    Provider,

    /// <summary>The default subnet (<see cref="ControllerOptions.DefaultSubnet"/>).</summary>
    Default,
}

/// <summary>The subnet a NIC goes to and why.</summary>
public sealed record SubnetSelection(string Subnet, SubnetChoice Choice);

/// <summary>A pod's NIC needs a subnet that cannot be determined (e.g. an attachment provider no Subnet serves).</summary>
public sealed class SubnetNotFoundException(string field, string value, string problem)
    : Exception($"{field}: \"{value}\" {problem}")
{
    public string Field { get; } = field;

    public string Value { get; } = value;
}

/// <summary>Subnets whose CIDR changed: these NICs lost their address and must be re-allocated (same NIC key, so same MAC).</summary>
public sealed record SubnetDisplacement(string Subnet, IReadOnlyList<DisplacedAddress> Displaced);

/// <summary>
/// The pod/VM reconcilers' view of subnets. Reads come from the Subnet and Namespace informer caches;
/// readiness is set by the subnet reconciler. A subnet is ready when it is validated, registered in
/// <see cref="IpamRegistry"/>, its Logical_Switch (owned by Subnet/name) is in the Northbound cache and it
/// is not being deleted: only then may a NIC be allocated in it and its LSP created.
/// </summary>
public sealed class SubnetCatalog
{
    private readonly ISharedInformer<V1Subnet> _subnets;
    private readonly ISharedInformer<V1Namespace> _namespaces;
    private readonly ISharedInformer<V1Vpc> _vpcs;
    private readonly IpamRegistry _ipam;
    private readonly OvsdbCache _northbound;
    private readonly ControllerOptions _options;
    // Value: whether the subnet has (and so must show) a Logical_Switch; IPAM-only attachment subnets have none.
    private readonly ConcurrentDictionary<string, bool> _ready = new(StringComparer.Ordinal);
    private readonly Lock _signalGate = new();
    private readonly List<Action<SubnetDisplacement>> _displacementHandlers = [];
    private readonly List<Action<string>> _usageHandlers = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SubnetCatalog(ISharedInformer<V1Subnet> subnets, ISharedInformer<V1Namespace> namespaces, ISharedInformer<V1Vpc> vpcs, IpamRegistry ipam, OvsdbCache northbound, ControllerOptions options)
    {
        _subnets = subnets;
        _namespaces = namespaces;
        _vpcs = vpcs;
        _ipam = ipam;
        _northbound = northbound;
        _options = options;
    }

    /// <summary>The Subnet from the informer cache, or null.</summary>
    public V1Subnet? Get(string name) => _subnets.Indexer.Get(null, name);

    /// <summary>Every Subnet in the informer cache.</summary>
    public IReadOnlyList<V1Subnet> List() => _subnets.Indexer.List();

    /// <summary>The annotation key that picks a subnet for <paramref name="provider"/>: <c>&lt;provider&gt;.kubernetes.io/logical_switch</c>.</summary>
    public static string LogicalSwitchAnnotation(string provider) => $"{provider}.kubernetes.io/logical_switch";

    /// <summary>True for the primary network's providers: empty, <c>ovn</c>, or <c>&lt;nad&gt;.&lt;ns&gt;.ovn</c> (Kube-OVN's IsOvnProvider).</summary>
    public static bool IsOvnProvider(string? provider)
    {
        if (string.IsNullOrEmpty(provider) || provider == ControllerOptions.OvnProvider)
        {
            return true;
        }

        var parts = provider.Split('.');
        return parts.Length == 3 && parts[2] == ControllerOptions.OvnProvider;
    }

    /// <summary>
    /// Picks the subnet for one NIC of <paramref name="pod"/>, Kube-OVN's order: the pod's
    /// <c>&lt;provider&gt;.kubernetes.io/logical_switch</c> annotation; for the primary network (<c>ovn</c>) a
    /// Subnet listing the namespace in <c>spec.namespaces</c> (first by name), then the <c>spec.defaultSubnet</c>
    /// of a Vpc listing the namespace, then the namespace's <c>ovn.kubernetes.io/logical_switch</c>
    /// annotation, then <see cref="ControllerOptions.DefaultSubnet"/>;
    /// for an attachment provider (<c>&lt;nad&gt;.&lt;ns&gt;.ovn[.&lt;iface&gt;]</c>) the Subnet whose
    /// <c>spec.provider</c> equals it (interface suffix stripped). The subnet may not exist or be ready yet:
    /// check with <see cref="WaitReadyAsync"/>.
    /// </summary>
    /// <exception cref="SubnetNotFoundException">No Subnet serves an attachment provider.</exception>
    public SubnetSelection ResolveForPod(V1Pod pod, string provider = ControllerOptions.OvnProvider)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentException.ThrowIfNullOrEmpty(provider);
        var annotations = pod.Metadata?.Annotations;
        if (annotations is not null && annotations.TryGetValue(LogicalSwitchAnnotation(provider), out var named) && !string.IsNullOrWhiteSpace(named))
        {
            return new SubnetSelection(named.Trim(), SubnetChoice.Annotation);
        }

        if (provider != ControllerOptions.OvnProvider)
        {
            var subnetProvider = StripInterface(provider);
            var serving = List()
                .Where(s => s.Spec?.Provider == subnetProvider && s.Metadata?.Name is not null)
                .Select(s => s.Metadata!.Name!)
                .Order(StringComparer.Ordinal)
                .FirstOrDefault();
            return serving is not null
                ? new SubnetSelection(serving, SubnetChoice.Provider)
                : throw new SubnetNotFoundException("provider", provider, $"is served by no Subnet (spec.provider \"{subnetProvider}\")");
        }

        var ns = pod.Metadata?.Namespace ?? "";
        var bound = BoundToNamespace(ns);
        if (bound is not null)
        {
            return new SubnetSelection(bound, SubnetChoice.NamespaceBinding);
        }

        var vpcDefault = _vpcs.Indexer.List()
            .Where(v => v.Metadata?.DeletionTimestamp is null
                && !string.IsNullOrEmpty(v.Spec?.DefaultSubnet)
                && v.Spec.Namespaces?.Contains(ns, StringComparer.Ordinal) == true)
            .OrderBy(v => v.Metadata!.Name, StringComparer.Ordinal)
            .Select(v => v.Spec!.DefaultSubnet!)
            .FirstOrDefault();
        if (vpcDefault is not null)
        {
            return new SubnetSelection(vpcDefault, SubnetChoice.VpcDefault);
        }

        var nsObject = _namespaces.Indexer.Get(null, ns);
        if (nsObject?.Metadata?.Annotations is { } nsAnnotations
            && nsAnnotations.TryGetValue(LogicalSwitchAnnotation(ControllerOptions.OvnProvider), out var nsSwitch)
            && nsSwitch.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..])
        {
            return new SubnetSelection(first, SubnetChoice.NamespaceAnnotation);
        }

        return new SubnetSelection(_options.DefaultSubnet, SubnetChoice.Default);
    }

    /// <summary>The first (by name) primary-network Subnet listing <paramref name="namespaceName"/> in <c>spec.namespaces</c>, or null.</summary>
    public string? BoundToNamespace(string namespaceName) =>
        List()
            .Where(s => s.Metadata?.DeletionTimestamp is null
                && IsOvnProvider(s.Spec?.Provider)
                && s.Spec?.Namespaces?.Contains(namespaceName, StringComparer.Ordinal) == true)
            .Select(s => s.Metadata!.Name!)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>True when <paramref name="name"/> may be allocated from now (see the class summary).</summary>
    public bool IsReady(string name) =>
        _ready.TryGetValue(name, out var hasSwitch)
        && _ipam.FindSubnet(name) is not null
        && Get(name) is { Metadata.DeletionTimestamp: null }
        && (!hasSwitch || _northbound.FindOwnedBy(LogicalSwitch.Table, SubnetOwnership(name)).Count > 0);

    /// <summary>
    /// Waits until <paramref name="name"/> is ready and returns its IPAM. Bound the wait with
    /// <paramref name="cancellationToken"/> (a subnet that never appears never becomes ready).
    /// </summary>
    public async Task<SubnetIpam> WaitReadyAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_signalGate)
            {
                changed = _changed.Task;
            }

            if (IsReady(name) && _ipam.FindSubnet(name) is { } ipam)
            {
                return ipam;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tell the subnet status controller that allocations in <paramref name="subnet"/> changed; its
    /// usage counts are rewritten, rate-limited (<see cref="ControllerOptions.SubnetStatusInterval"/>).
    /// </summary>
    public void NotifyUsageChanged(string subnet)
    {
        Action<string>[] handlers;
        lock (_signalGate)
        {
            handlers = [.. _usageHandlers];
        }

        foreach (var handler in handlers)
        {
            handler(subnet);
        }
    }

    /// <summary>
    /// Runs <paramref name="handler"/> whenever a Subnet CIDR/gateway change took addresses from NICs
    /// (<see cref="SubnetUpdateResult.Displaced"/>). The addressing module re-allocates those NICs.
    /// </summary>
    public void OnAddressesDisplaced(Action<SubnetDisplacement> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_signalGate)
        {
            _displacementHandlers.Add(handler);
        }
    }

    /// <summary>Ownership of the Northbound rows made for a Subnet.</summary>
    public static Ownership SubnetOwnership(string name) => new(OwnerKinds.Subnet, name);

    internal void OnUsageChanged(Action<string> handler)
    {
        lock (_signalGate)
        {
            _usageHandlers.Add(handler);
        }
    }

    internal void MarkReady(string name, bool hasSwitch)
    {
        _ready[name] = hasSwitch;
        Signal();
    }

    internal void MarkNotReady(string name)
    {
        if (_ready.TryRemove(name, out _))
        {
            Signal();
        }
    }

    internal void PublishDisplaced(SubnetDisplacement displacement)
    {
        if (displacement.Displaced.Count == 0)
        {
            return;
        }

        Action<SubnetDisplacement>[] handlers;
        lock (_signalGate)
        {
            handlers = [.. _displacementHandlers];
        }

        foreach (var handler in handlers)
        {
            handler(displacement);
        }
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_signalGate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    private static string StripInterface(string provider)
    {
        var parts = provider.Split('.');
        return parts.Length == 4 && parts[2] == ControllerOptions.OvnProvider ? string.Join('.', parts[..3]) : provider;
    }
}
