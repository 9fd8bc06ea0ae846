using VmNet.Kube;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Waits for one object (a pod, a node) to reach a state by watching it: one GET, then a watch on that
/// single object from the GET's resourceVersion, so an annotation is seen the moment it is written.
/// </summary>
public sealed class ObjectWatcher<T>(IKubeClient kube)
    where T : class, IKubeResourceObject
{
    /// <summary>
    /// Returns the first version of the pod for which <paramref name="isReady"/> holds. Throws
    /// <see cref="KubeNotFoundException"/> if the object does not exist or is deleted meanwhile, and
    /// <see cref="OperationCanceledException"/> on cancellation (the caller's timeout).
    /// </summary>
    public async Task<T> WaitAsync(string? namespaceName, string name, Func<T, bool> isReady, Action<T>? onSeen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isReady);
        while (true)
        {
            var pod = await kube.GetAsync<T>(namespaceName, name, cancellationToken).ConfigureAwait(false);
            onSeen?.Invoke(pod);
            if (isReady(pod))
            {
                return pod;
            }

            var options = new WatchOptions { ResourceVersion = pod.Metadata?.ResourceVersion, FieldSelector = "metadata.name=" + name };
            try
            {
                while (true)
                {
                    await foreach (var change in kube.WatchAsync<T>(namespaceName, options, cancellationToken).ConfigureAwait(false))
                    {
                        options = options with { ResourceVersion = change.Object.Metadata?.ResourceVersion ?? options.ResourceVersion };
                        if (change.Type == WatchEventType.Deleted)
                        {
                            throw new KubeNotFoundException("WATCH", $"{T.Resource.Plural}/{namespaceName}/{name}", null);
                        }

                        if (change.Type is WatchEventType.Added or WatchEventType.Modified && change.Object.Metadata?.Name == name)
                        {
                            onSeen?.Invoke(change.Object);
                            if (isReady(change.Object))
                            {
                                return change.Object;
                            }
                        }
                    }

                    // The server ended the stream (timeout, restart): resume from the last version seen,
                    // after a short pause so a server that closes at once is not hammered.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (KubeGoneException)
            {
                // Our version fell out of the watch history: read the pod afresh.
            }
        }
    }
}
