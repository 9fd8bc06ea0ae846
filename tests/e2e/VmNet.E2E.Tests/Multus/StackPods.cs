using VmNet.E2E.Daemon;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;

namespace VmNet.E2E.Multus;

/// <summary>
/// What kubelet and Multus do on a <see cref="MultusStackFixture"/>: create the pod, wait for the controller's
/// allocation, then call the CNI binary once per network with that network's config on stdin.
/// </summary>
public static class StackPods
{
    public const string Ns = MultusStackFixture.Ns;

    public sealed record Plugged(string Name, string Netns, string ContainerId, OvsNode Node, IReadOnlyDictionary<string, string> Annotations);

    public static V1Subnet Subnet(string name, string cidr, string provider) => new()
    {
        ApiVersion = "kubeovn.io/v1",
        Kind = "Subnet",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1SubnetSpec { CidrBlock = cidr, Provider = provider },
    };

    public static V1NetworkAttachmentDefinition Nad(string name, string? config = null) => new()
    {
        ApiVersion = "k8s.cni.cncf.io/v1",
        Kind = "NetworkAttachmentDefinition",
        Metadata = new V1ObjectMeta { Name = name, Namespace = Ns },
        Spec = new V1NetworkAttachmentDefinitionSpec { Config = config ?? $$"""{"cniVersion":"1.0.0","type":"kube-ovn","server_socket":"/run/vmnet.sock","provider":"{{name}}.{{Ns}}.ovn"}""" },
    };

    /// <summary>The NAD config as Multus hands it to the CNI binary on <paramref name="node"/>.</summary>
    public static string NetConf(MultusStackFixture fixture, OvsNode node, string provider) =>
        $$"""{"cniVersion":"1.0.0","name":"{{provider}}","type":"kube-ovn","server_socket":"{{fixture.SocketPath(node)}}","provider":"{{provider}}","daemon_timeout_seconds":90}""";

    public static Task<V1Pod> CreatePodAsync(MultusStackFixture fixture, string name, OvsNode node, IReadOnlyDictionary<string, string> annotations, V1OwnerReference? owner = null) =>
        fixture.Kube.CreateAsync(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, Namespace = Ns, Annotations = new Dictionary<string, string>(annotations), OwnerReferences = owner is null ? null : [owner] },
            Spec = new V1PodSpec { NodeName = node.Name, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        });

    /// <summary>Waits until every provider is allocated on the pod; returns its annotations.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> WaitAllocatedAsync(MultusStackFixture fixture, string name, IEnumerable<string> providers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var pod = await fixture.Kube.GetAsync<V1Pod>(Ns, name);
            var a = pod.Metadata?.Annotations ?? [];
            if (providers.All(p => a.GetValueOrDefault($"{p}.kubernetes.io/allocated") == "true"))
            {
                return a;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"pod {Ns}/{name} not allocated: {string.Join(", ", a.Select(p => p.Key + "=" + p.Value))}; see {fixture.LogPath}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The stack's kubelet creates the pod and its netns; once <paramref name="allocated"/> is on the pod, one CNI ADD
    /// per (ifName, netconf provider), as Multus calls the binary for each network.
    /// </summary>
    public static async Task<Plugged> PlugAsync(
        MultusStackFixture fixture,
        string name,
        OvsNode node,
        IReadOnlyDictionary<string, string> annotations,
        IReadOnlyList<string> allocated,
        IReadOnlyList<(string IfName, string NetconfProvider)> nics,
        V1OwnerReference? owner = null)
    {
        var kubelet = fixture.Stack.Kubelet;
        var pod = await kubelet.CreatePodAsync(new PodRequest(node) { Name = name, Namespace = Ns, Annotations = annotations, OwnerReferences = owner is null ? null : [owner] });
        var allocation = await WaitAllocatedAsync(fixture, name, allocated);
        foreach (var (ifName, provider) in nics)
        {
            var add = await kubelet.RunAsync(kubelet.Invocation(pod, "ADD", NetConf(fixture, node, provider)) with { IfName = ifName });
            Assert.True(add.Succeeded, $"ADD {name} {ifName}: {add}");
        }

        return new Plugged(name, pod.Netns, pod.ContainerId, node, allocation);
    }

    public static string NewContainerId() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];

    public static Task<CommandResult> ExecAsync(string netns, string file, params string[] args) =>
        NetworkNamespace.ExecAsync(netns, file, args, TimeSpan.FromSeconds(60));
}
