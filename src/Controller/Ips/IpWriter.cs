using System.Text.Json.Nodes;
using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Ips;

/// <summary>IP custom resource writes: create, patch to a new spec, delete, and drop the release finalizer.</summary>
public sealed class IpWriter(IKubeClient kube, AddressingStepHook stepHook)
{
    /// <summary>Creates the CR; when one of that name already exists, returns the stored one instead.</summary>
    public async Task<V1IP> CreateAsync(V1IP ip, CancellationToken cancellationToken)
    {
        await stepHook("api:create-ip", cancellationToken).ConfigureAwait(false);
        try
        {
            return await kube.CreateAsync(ip, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeConflictException)
        {
            return await kube.GetAsync<V1IP>(null, ip.Metadata!.Name!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the CR from the API server (not the cache); null when it does not exist.</summary>
    public async Task<V1IP?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await kube.GetAsync<V1IP>(null, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Replaces spec and labels with a merge patch (idempotent, safe to retry).</summary>
    public async Task PatchAsync(string name, V1IPSpec spec, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        await stepHook("api:patch-ip", cancellationToken).ConfigureAwait(false);
        var labelNode = new JsonObject();
        foreach (var (key, value) in labels)
        {
            labelNode[key] = value;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = labelNode },
            ["spec"] = JsonNode.Parse(KubeJsonText(spec)),
        };
        await kube.PatchAsync<V1IP>(null, name, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deletion; the finalizer keeps the CR until the IP reconciler released port and address.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await stepHook("api:delete-ip", cancellationToken).ConfigureAwait(false);
        try
        {
            await kube.DeleteAsync<V1IP>(null, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
        }
    }

    /// <summary>Drops our finalizer; false when the CR no longer exists.</summary>
    public async Task<bool> RemoveFinalizerAsync(V1IP ip, CancellationToken cancellationToken)
    {
        await stepHook("api:remove-ip-finalizer", cancellationToken).ConfigureAwait(false);
        var remaining = new JsonArray();
        foreach (var finalizer in ip.Metadata?.Finalizers ?? [])
        {
            if (finalizer != IpCrLabels.Finalizer)
            {
                remaining.Add(finalizer);
            }
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = remaining.Count == 0 ? null : remaining } };
        try
        {
            await kube.PatchAsync<V1IP>(null, ip.Metadata!.Name!, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubeNotFoundException)
        {
            return false;
        }
    }

    public async Task AddFinalizerAsync(V1IP ip, CancellationToken cancellationToken)
    {
        await stepHook("api:add-ip-finalizer", cancellationToken).ConfigureAwait(false);
        var all = new JsonArray();
        foreach (var finalizer in (ip.Metadata?.Finalizers ?? []).Append(IpCrLabels.Finalizer).Distinct(StringComparer.Ordinal))
        {
            all.Add(finalizer);
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = all } };
        await kube.PatchAsync<V1IP>(null, ip.Metadata!.Name!, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
    }

    private static string KubeJsonText(V1IPSpec spec) =>
        VmNet.Kube.Serialization.KubeJson.Serialize(spec);
}
