using System.Text.Json.Nodes;
using VmNet.Kube;

namespace VmNet.Controller.Hosting;

/// <summary>Adds and removes <see cref="ControllerOptions.Finalizer"/> with a merge patch guarded by resourceVersion.</summary>
public static class Finalizers
{
    public static bool Has(IKubeObject obj) =>
        obj?.Metadata?.Finalizers?.Contains(ControllerOptions.Finalizer, StringComparer.Ordinal) == true;

    /// <summary>Adds our finalizer (and drops the legacy one) unless present; returns the updated object.</summary>
    public static async Task<T> EnsureAsync<T>(IKubeClient kube, T obj, CancellationToken cancellationToken)
        where T : class, IKubeResourceObject
    {
        ArgumentNullException.ThrowIfNull(kube);
        ArgumentNullException.ThrowIfNull(obj);
        var current = obj.Metadata?.Finalizers ?? [];
        if (current.Contains(ControllerOptions.Finalizer, StringComparer.Ordinal) && !current.Contains(ControllerOptions.LegacyFinalizer, StringComparer.Ordinal))
        {
            return obj;
        }

        var desired = current.Where(f => f != ControllerOptions.LegacyFinalizer && f != ControllerOptions.Finalizer).Append(ControllerOptions.Finalizer);
        return await PatchAsync(kube, obj, desired, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes our (and the legacy) finalizer; the API server then completes a pending delete.</summary>
    public static async Task RemoveAsync<T>(IKubeClient kube, T obj, CancellationToken cancellationToken)
        where T : class, IKubeResourceObject
    {
        ArgumentNullException.ThrowIfNull(kube);
        ArgumentNullException.ThrowIfNull(obj);
        var current = obj.Metadata?.Finalizers ?? [];
        if (!current.Contains(ControllerOptions.Finalizer, StringComparer.Ordinal) && !current.Contains(ControllerOptions.LegacyFinalizer, StringComparer.Ordinal))
        {
            return;
        }

        try
        {
            await PatchAsync(kube, obj, current.Where(f => f != ControllerOptions.LegacyFinalizer && f != ControllerOptions.Finalizer), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Already gone.
        }
    }

    private static Task<T> PatchAsync<T>(IKubeClient kube, T obj, IEnumerable<string> finalizers, CancellationToken cancellationToken)
        where T : class, IKubeResourceObject
    {
        var array = new JsonArray();
        foreach (var f in finalizers)
        {
            array.Add(f);
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = array,
                ["resourceVersion"] = obj.Metadata!.ResourceVersion,
            },
        };
        return kube.PatchAsync<T>(obj.Metadata.Namespace, obj.Metadata.Name!, KubePatch.Merge(patch), cancellationToken);
    }
}
