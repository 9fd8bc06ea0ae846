namespace VmNet.Sandbox.Demo;

/// <summary>How a launcher pod gets its network: CNI ADD when the pod starts, CNI DEL when it goes.</summary>
public interface ILauncherNetwork
{
    /// <summary>One line for the demo's output: who does the plugging.</summary>
    string Description { get; }

    /// <summary>Creates the pod's netns on its node and plugs every NIC the controller addressed.</summary>
    Task<LauncherSandbox> AddAsync(LauncherPodSpec pod, IReadOnlyList<NicAddress> addresses, CancellationToken cancellationToken);

    /// <summary>Unplugs every NIC and deletes the netns; idempotent.</summary>
    Task DeleteAsync(LauncherSandbox sandbox, CancellationToken cancellationToken);
}
