namespace VmNet.Sandbox.Rig;

/// <summary>Where and how to run one ovsdb-server. All its files are named &lt;Name&gt;.{db,sock,ctl,pid,log} in <see cref="Directory"/>.</summary>
public sealed record OvsdbServerOptions
{
    /// <summary>Schema used to create the database file when it does not exist yet.</summary>
    public required string SchemaPath { get; init; }

    /// <summary>Directory holding the database, socket, unixctl socket, pidfile and log.</summary>
    public required string Directory { get; init; }

    /// <summary>Base name of the files; unique within <see cref="Directory"/>.</summary>
    public string Name { get; init; } = "ovsdb";

    /// <summary>Also listen on TCP 127.0.0.1 at a port the kernel chooses.</summary>
    public bool ListenTcp { get; init; }

    /// <summary>If set, every server PID (also after restarts) is recorded here for <see cref="RigJanitor"/>.</summary>
    public RigManifest? Manifest { get; init; }

    /// <summary>How long starting, stopping and tool invocations may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public static OvsdbServerOptions ForNorthbound(string directory, bool listenTcp = false) =>
        new() { SchemaPath = OvnSchemas.Northbound, Directory = directory, Name = "ovnnb_db", ListenTcp = listenTcp };

    public static OvsdbServerOptions ForSouthbound(string directory, bool listenTcp = false) =>
        new() { SchemaPath = OvnSchemas.Southbound, Directory = directory, Name = "ovnsb_db", ListenTcp = listenTcp };

    public static OvsdbServerOptions ForOpenVSwitch(string directory, bool listenTcp = false) =>
        new() { SchemaPath = OvnSchemas.OpenVSwitch, Directory = directory, Name = "conf", ListenTcp = listenTcp };
}
