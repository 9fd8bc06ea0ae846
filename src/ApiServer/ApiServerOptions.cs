namespace VmNet.ApiServer;

/// <summary>Settings of <see cref="KubeApiServer"/>.</summary>
public sealed class ApiServerOptions
{
    /// <summary>
    /// Address to listen on. 127.0.0.1 for tests; the sandbox may pick an address its node namespaces can reach.
    /// </summary>
    public System.Net.IPAddress ListenAddress { get; set; } = System.Net.IPAddress.Loopback;

    /// <summary>TCP port; 0 lets the OS choose (kept across restarts).</summary>
    public int Port { get; set; }

    /// <summary>How many events the watch history keeps before older resourceVersions answer 410 Expired.</summary>
    public int WatchHistorySize { get; set; } = 100_000;

    /// <summary>Interval of BOOKMARK events for watches that ask for them (the real server uses about a minute).</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Serve HTTPS with a generated self-signed certificate (sandbox mode).</summary>
    public bool UseHttps { get; set; }

    /// <summary>When set, every request must carry "Authorization: Bearer &lt;token&gt;" or gets 401.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Reject namespaced objects whose namespace does not exist (404), as the real server does.</summary>
    public bool RequireNamespace { get; set; } = true;

    /// <summary>
    /// Prune undeclared fields and apply defaults from a CRD's openAPIV3Schema on writes, as the real server
    /// always does. Off by default: tests that register CRDs with partial schemas keep every field.
    /// </summary>
    public bool ApplyCrdSchemas { get; set; }

    /// <summary>Namespaces present at start.</summary>
    public IReadOnlyList<string> InitialNamespaces { get; set; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>Version reported by /version.</summary>
    public string GitVersion { get; set; } = "v1.32.0-vmnet";

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
