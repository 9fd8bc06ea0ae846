namespace VmNet.Sandbox.Rig;

/// <summary>Checks that the OVN/OVS tools the rig runs are installed, and fails with what to install if not.</summary>
public static class RigPrerequisites
{
    private static readonly (string Tool, string Package)[] Required =
    [
        ("ovsdb-server", "openvswitch-common"),
        ("ovsdb-tool", "openvswitch-common"),
        ("ovs-vswitchd", "openvswitch-switch"),
        ("ovs-vsctl", "openvswitch-switch"),
        ("ovs-appctl", "openvswitch-common"),
        ("ovsdb-client", "openvswitch-common"),
        ("ovn-northd", "ovn-central"),
        ("ovn-nbctl", "ovn-common"),
        ("ovn-sbctl", "ovn-common"),
        ("ovn-trace", "ovn-common"),
        ("ovn-controller", "ovn-host"),
        ("ovn-appctl", "ovn-common"),
        ("ip", "iproute2"),
        ("ethtool", "ethtool"),
        ("ping", "iputils-ping"),
    ];

    /// <summary>Throws <see cref="RigException"/> naming every missing tool and its Debian package, or if not root.</summary>
    public static void EnsureInstalled(params string[] extraTools)
    {
        var missing = Required.Concat(extraTools.Select(t => (Tool: t, Package: t)))
            .Where(r => FindOnPath(r.Tool) is null)
            .ToList();
        foreach (var schema in new[] { OvnSchemas.Northbound, OvnSchemas.Southbound, OvnSchemas.OpenVSwitch })
        {
            if (!File.Exists(schema))
            {
                missing.Add((schema, schema.Contains("openvswitch", StringComparison.Ordinal) ? "openvswitch-common" : "ovn-common"));
            }
        }

        if (missing.Count > 0)
        {
            var packages = string.Join(' ', missing.Select(m => m.Package).Distinct());
            throw new RigException(
                $"the OVN/OVS rig needs {string.Join(", ", missing.Select(m => m.Tool))}: apt-get install -y {packages}");
        }

        if (!IsRoot())
        {
            throw new RigException("the OVN/OVS rig creates network namespaces and veths: run as root (or with CAP_NET_ADMIN and CAP_SYS_ADMIN)");
        }
    }

    public static string? FindOnPath(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
    }

    private static bool IsRoot()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                // Uid: real effective saved fs
                var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 2 && fields[2] == "0";
            }
        }

        return false;
    }
}
