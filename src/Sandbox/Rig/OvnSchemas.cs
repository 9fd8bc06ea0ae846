namespace VmNet.Sandbox.Rig;

/// <summary>Schema files installed by the Debian ovn-common and openvswitch-common packages.</summary>
public static class OvnSchemas
{
    public const string Northbound = "/usr/share/ovn/ovn-nb.ovsschema";
    public const string Southbound = "/usr/share/ovn/ovn-sb.ovsschema";
    public const string OpenVSwitch = "/usr/share/openvswitch/vswitch.ovsschema";
}
