namespace VmNet.Daemon.Pods;

/// <summary>Pod annotation keys per provider (<c>&lt;p&gt;.kubernetes.io/&lt;name&gt;</c>, facts §2.2-2.3).</summary>
public sealed class PodAnnotationKeys(string provider)
{
    public const string MigrationJobName = "kubevirt.io/migrationJobName";

    public string Provider { get; } = provider;

    public string Allocated => Key("allocated");

    public string IpAddress => Key("ip_address");

    public string MacAddress => Key("mac_address");

    public string Cidr => Key("cidr");

    public string Gateway => Key("gateway");

    public string LogicalSwitch => Key("logical_switch");

    public string VirtualMachine => Key("virtualmachine");

    public string DefaultRoute => Key("default_route");

    public string Routes => Key("routes");

    public string IngressRate => Key("ingress_rate");

    public string EgressRate => Key("egress_rate");

    public string IngressBurst => Key("ingress_burst");

    public string EgressBurst => Key("egress_burst");

    public string ActivationStrategy => Key("activation_strategy");

    private string Key(string name) => Provider + ".kubernetes.io/" + name;
}
