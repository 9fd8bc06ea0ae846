namespace VmNet.Daemon.Cni;

/// <summary>Logical port name = OVS iface-id (facts §4.6): <c>&lt;name&gt;.&lt;ns&gt;</c> for provider ovn, else <c>&lt;name&gt;.&lt;ns&gt;.&lt;provider&gt;</c>.</summary>
public static class PortNames
{
    public static string ForPod(string name, string namespaceName, string provider) =>
        provider is "" or "ovn" ? $"{name}.{namespaceName}" : $"{name}.{namespaceName}.{provider}";
}
