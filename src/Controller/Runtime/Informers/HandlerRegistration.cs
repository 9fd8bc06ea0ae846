namespace VmNet.Controller.Runtime.Informers;

/// <summary>A handler added to an informer; tells when it has seen the whole initial list.</summary>
public interface IHandlerRegistration
{
    /// <summary>True once every object of the initial list has been delivered to this handler.</summary>
    bool HasSynced { get; }

    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
