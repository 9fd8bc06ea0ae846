using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>
/// Plays kubelet and the container runtime for the stack: creates the pod object (scheduled to a node) and a
/// fresh netns for its sandbox, and execs the CNI binary for ADD/DEL/CHECK with the node daemon's netconf.
/// It never writes what the controller or the daemon own (addresses, logical ports, veths).
/// </summary>
public sealed class Kubelet
{
    private static readonly TimeSpan CniTimeout = TimeSpan.FromSeconds(150);
    private readonly VmNetStack stack;
    private int counter;

    internal Kubelet(VmNetStack stack) => this.stack = stack;

    /// <summary>Creates the pod object and its netns (recorded in the rig manifest, so a crashed run is cleaned too).</summary>
    public async Task<StackPod> CreatePodAsync(PodRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var index = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        var name = request.Name ?? $"{request.Label}-{stack.Rig.RunId.Value}-{index}";
        var netns = stack.Rig.RunId.Value + "k" + index;
        stack.Rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        var pod = new StackPod(request.Namespace, name, request.Node, netns, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        try
        {
            await stack.Kube.CreateAsync(
                new V1Pod
                {
                    ApiVersion = "v1",
                    Kind = "Pod",
                    Metadata = new V1ObjectMeta
                    {
                        Name = name,
                        Namespace = request.Namespace,
                        Annotations = request.Annotations?.ToDictionary(),
                        Labels = request.Labels?.ToDictionary(),
                        OwnerReferences = request.OwnerReferences?.ToList(),
                    },
                    Spec = new V1PodSpec { NodeName = request.Node.Name, Containers = [new V1Container { Name = "main", Image = "busybox" }] },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await NetworkNamespace.DeleteAsync(netns, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return pod;
    }

    /// <summary>The netconf of the pod's node daemon (its own socket), as /etc/cni/net.d would hold it.</summary>
    public string NetConf(StackPod pod, string cniVersion = "1.0.0")
    {
        ArgumentNullException.ThrowIfNull(pod);
        return CniPlugin.NetConf(stack.Daemon(pod.Node).SocketPath, cniVersion);
    }

    public Task<CniOutcome> AddAsync(StackPod pod, string? netConf = null, CancellationToken cancellationToken = default) =>
        RunAsync(pod, "ADD", netConf, cancellationToken);

    public Task<CniOutcome> DelAsync(StackPod pod, string? netConf = null, CancellationToken cancellationToken = default) =>
        RunAsync(pod, "DEL", netConf, cancellationToken);

    public Task<CniOutcome> CheckAsync(StackPod pod, string? netConf = null, CancellationToken cancellationToken = default) =>
        RunAsync(pod, "CHECK", netConf, cancellationToken);

    /// <summary>CNI <paramref name="command"/> for the pod's sandbox, netconf defaulting to <see cref="NetConf"/>.</summary>
    public Task<CniOutcome> RunAsync(StackPod pod, string command, string? netConf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return stack.Cni.RunAsync(Invocation(pod, command, netConf), CniTimeout, cancellationToken);
    }

    /// <summary>The invocation kubelet would make for the pod; tests alter it (e.g. drop CNI_NETNS) before running it.</summary>
    public CniInvocation Invocation(StackPod pod, string command, string? netConf = null)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return new CniInvocation
        {
            Command = command,
            ContainerId = pod.ContainerId,
            NetnsPath = pod.NetnsPath,
            IfName = "eth0",
            Args = new Dictionary<string, string>
            {
                ["K8S_POD_NAMESPACE"] = pod.Namespace,
                ["K8S_POD_NAME"] = pod.Name,
                ["K8S_POD_INFRA_CONTAINER_ID"] = pod.ContainerId,
            },
            NetConf = netConf ?? NetConf(pod),
        };
    }

    public Task<CniOutcome> RunAsync(CniInvocation invocation, CancellationToken cancellationToken = default) =>
        stack.Cni.RunAsync(invocation, CniTimeout, cancellationToken);

    public Task<V1Pod> GetPodAsync(StackPod pod, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return stack.Kube.GetAsync<V1Pod>(pod.Namespace, pod.Name, cancellationToken);
    }

    /// <summary>Merge-patches annotations on the running pod (null removes a key), as `kubectl annotate` would.</summary>
    public Task<V1Pod> AnnotateAsync(StackPod pod, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(annotations);
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
        {
            values[key] = value;
        }

        return stack.Kube.PatchAsync<V1Pod>(pod.Namespace, pod.Name, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = values } }), cancellationToken);
    }

    /// <summary>What kubelet does when a pod goes: CNI DEL (its outcome returned), the sandbox netns removed, the pod object deleted.</summary>
    public async Task<CniOutcome> RemovePodAsync(StackPod pod, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var del = await DelAsync(pod, cancellationToken: cancellationToken).ConfigureAwait(false);
        await NetworkNamespace.DeleteAsync(pod.Netns, cancellationToken).ConfigureAwait(false);
        await DeletePodObjectAsync(pod, cancellationToken).ConfigureAwait(false);
        return del;
    }

    /// <summary>Deletes the pod object if it exists (the controller then releases its address and logical port).</summary>
    public async Task DeletePodObjectAsync(StackPod pod, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pod);
        try
        {
            await stack.Kube.DeleteAsync<V1Pod>(pod.Namespace, pod.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Already gone: deleting is idempotent for the caller.
        }
    }
}
