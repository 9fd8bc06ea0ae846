using System.Text;
using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniInvocationBuilderTests
{
    private const string PodArgs = "K8S_POD_NAMESPACE=default;K8S_POD_NAME=vm1;K8S_POD_INFRA_CONTAINER_ID=c1;K8S_POD_UID=u1";

    [Fact]
    public void Add_request_carries_env_pod_and_netconf_fields()
    {
        var inv = Build(CniCommand.Add, """{"cniVersion":"0.3.1","name":"kube-ovn","type":"kube-ovn","mtu":1400,"routes":[{"dst":"10.0.0.0/8","gw":"10.16.0.1"}],"dns":{"nameservers":["10.96.0.10"]}}""");

        var r = inv.Request;
        Assert.Equal(("0.3.1", DaemonProtocol.DefaultSocketPath, DaemonProtocol.DefaultTimeout(CniCommand.Add)), (inv.CniVersion, inv.SocketPath, inv.Timeout));
        Assert.Equal(("kube-ovn", false, "kube-ovn"), (r.CniType, r.IpamOnly, r.NetworkName));
        Assert.Equal(("cid", "/var/run/netns/ns1", "eth0"), (r.ContainerId, r.NetNs, r.IfName));
        Assert.Equal(("vm1", "default", "u1", "c1"), (r.PodName, r.PodNamespace, r.PodUid, r.InfraContainerId));
        Assert.Equal("ovn", r.Provider);
        Assert.Equal(1400, r.Mtu);
        Assert.Equal("10.0.0.0/8", r.Routes![0].Dst);
        Assert.Equal(["10.96.0.10"], r.Dns!.Nameservers!);
        Assert.Equal("vm1", r.CniArgs!["K8S_POD_NAME"]);
        Assert.Null(r.ValidAttachments);
    }

    [Theory]
    [InlineData("vmnet")]
    [InlineData("kube-ovn")]
    public void Both_type_names_are_the_main_plugin(string type)
    {
        var inv = Build(CniCommand.Add, $$$"""{"cniVersion":"1.0.0","name":"n","type":"{{{type}}}","ipam":{"type":"{{{type}}}"}}""");

        Assert.False(inv.Request.IpamOnly);
    }

    [Fact]
    public void Ipam_only_use_takes_socket_provider_and_routes_from_ipam()
    {
        var inv = Build(CniCommand.Add, """
            {"cniVersion":"1.0.0","name":"m","type":"macvlan","server_socket":"/run/other.sock","provider":"ignored",
             "ipam":{"type":"kube-ovn","server_socket":"/run/vmnet/ipam.sock","provider":"m.default","routes":[{"dst":"0.0.0.0/0"}]}}
            """);

        Assert.True(inv.Request.IpamOnly);
        Assert.Equal("/run/vmnet/ipam.sock", inv.SocketPath);
        Assert.Equal("m.default", inv.Request.Provider);
        Assert.Equal("macvlan", inv.Request.CniType);
        Assert.Equal("0.0.0.0/0", inv.Request.Routes![0].Dst);
    }

    [Fact]
    public void Server_socket_and_timeout_are_overridable()
    {
        var inv = Build(CniCommand.Del, """{"cniVersion":"1.0.0","name":"n","type":"vmnet","server_socket":"/tmp/x.sock","daemon_timeout_seconds":2.5}""");

        Assert.Equal("/tmp/x.sock", inv.SocketPath);
        Assert.Equal(TimeSpan.FromSeconds(2.5), inv.Timeout);
    }

    [Fact]
    public void Device_id_prefers_netconf_then_runtime_config_then_cni_args()
    {
        const string args = PodArgs + ";deviceID=0000:00:01.3";
        Assert.Equal("0000:00:01.1", Build(CniCommand.Add, """{"cniVersion":"1.0.0","name":"n","type":"vmnet","deviceID":"0000:00:01.1","runtimeConfig":{"deviceID":"0000:00:01.2"}}""", args: args).Request.DeviceId);
        Assert.Equal("0000:00:01.2", Build(CniCommand.Add, """{"cniVersion":"1.0.0","name":"n","type":"vmnet","runtimeConfig":{"deviceID":"0000:00:01.2"}}""", args: args).Request.DeviceId);
        Assert.Equal("0000:00:01.3", Build(CniCommand.Add, """{"cniVersion":"1.0.0","name":"n","type":"vmnet"}""", args: args).Request.DeviceId);
    }

    [Fact]
    public void Requested_mac_and_ips_come_from_runtime_config_or_cni_args()
    {
        var fromRuntime = Build(CniCommand.Add, """{"cniVersion":"1.0.0","name":"n","type":"vmnet","runtimeConfig":{"mac":"0a:00:00:00:00:01","ips":["10.16.0.7/16"],"bandwidth":{"ingressRate":1}}}""").Request;
        var fromArgs = Build(CniCommand.Add, """{"cniVersion":"1.0.0","name":"n","type":"vmnet"}""", args: PodArgs + ";MAC=0a:00:00:00:00:02;IP=10.16.0.8,fd00::8").Request;

        Assert.Equal(("0a:00:00:00:00:01", "10.16.0.7/16"), (fromRuntime.Mac, fromRuntime.Ips![0]));
        Assert.True(fromRuntime.RuntimeConfig!.ContainsKey("bandwidth"));
        Assert.Equal("0a:00:00:00:00:02", fromArgs.Mac);
        Assert.Equal(["10.16.0.8", "fd00::8"], fromArgs.Ips!);
    }

    [Fact]
    public void Prev_result_is_parsed_into_the_canonical_form()
    {
        var inv = Build(CniCommand.Add, """{"cniVersion":"0.4.0","name":"n","type":"vmnet","prevResult":{"cniVersion":"0.4.0","interfaces":[{"name":"x"}],"ips":[{"version":"4","address":"1.2.3.4/24","interface":0}]}}""");

        Assert.Equal("1.2.3.4/24", inv.PrevResult!.Ips![0].Address);
        Assert.Same(inv.PrevResult, inv.Request.PrevResult);
    }

    [Fact]
    public void Gc_forwards_valid_attachments()
    {
        var inv = Build(CniCommand.Gc, """{"cniVersion":"1.1.0","name":"n","type":"vmnet","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]}""", env: new CniEnvironment("GC", null, null, null, null, null));

        Assert.Equal("a", inv.Request.ValidAttachments![0].ContainerId);
        Assert.Equal("eth0", inv.Request.ValidAttachments[0].IfName);
    }

    [Fact]
    public void Del_needs_no_netns_and_no_pod_args()
    {
        var inv = Build(CniCommand.Del, """{"cniVersion":"1.0.0","name":"n","type":"vmnet"}""", env: new CniEnvironment("DEL", "cid", null, "eth0", null, null));

        Assert.Equal("", inv.Request.NetNs);
        Assert.Equal("", inv.Request.PodName);
    }

    [Fact]
    public void Kube_ovn_socket_path_falls_back_to_the_vmnet_default()
    {
        var kubeOvn = Build(CniCommand.Add, """{"cniVersion":"0.3.1","name":"n","type":"kube-ovn","server_socket":"/run/openvswitch/kube-ovn-daemon.sock"}""");
        var own = Build(CniCommand.Add, """{"cniVersion":"0.3.1","name":"n","type":"kube-ovn","server_socket":"/run/custom.sock"}""");

        Assert.Equal(("/run/openvswitch/kube-ovn-daemon.sock", "/run/vmnet/daemon.sock"), (kubeOvn.SocketPath, kubeOvn.FallbackSocketPath));
        Assert.Null(own.FallbackSocketPath);
    }

    [Fact]
    public void Del_ignores_a_broken_prev_result_so_teardown_stays_possible()
    {
        const string json = """{"cniVersion":"1.0.0","name":"n","type":"vmnet","prevResult":{"ips":[{"address":"bogus"}]}}""";

        var del = Build(CniCommand.Del, json);
        var add = Assert.Throws<CniException>(() => Build(CniCommand.Add, json));

        Assert.Null(del.PrevResult);
        Assert.Equal(CniErrorCodes.InvalidNetworkConfig, add.Code);
    }

    [Theory]
    // Versions.
    [InlineData("ADD", """{"name":"n","type":"vmnet"}""", 1, "no \"cniVersion\"; supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0")]
    [InlineData("ADD", """{"cniVersion":"0.2.0","name":"n","type":"vmnet"}""", 1, "cniVersion \"0.2.0\" is not supported; supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0")]
    [InlineData("CHECK", """{"cniVersion":"0.3.1","name":"n","type":"vmnet"}""", 1, "cniVersion \"0.3.1\" does not allow CHECK")]
    [InlineData("STATUS", """{"cniVersion":"1.0.0","name":"n","type":"vmnet"}""", 1, "cniVersion \"1.0.0\" does not allow STATUS")]
    [InlineData("GC", """{"cniVersion":"0.4.0","name":"n","type":"vmnet"}""", 1, "cniVersion \"0.4.0\" does not allow GC")]
    // Network config.
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"bridge"}""", 7, "type \"bridge\" is not served by this plugin")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"macvlan","ipam":{"type":"host-local"}}""", 7, "type \"macvlan\" with ipam.type \"host-local\" is not served")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n"}""", 7, "no \"type\"")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","type":"vmnet"}""", 7, "no \"name\"")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","server_socket":"run/x.sock"}""", 7, "server_socket \"run/x.sock\" is not an absolute path")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"macvlan","ipam":{"type":"vmnet","server_socket":"x"}}""", 7, "ipam.server_socket \"x\" is not an absolute path")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","mtu":70000}""", 7, "mtu 70000 is out of range 68-65535")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","deviceID":"03:00.1"}""", 7, "deviceID \"03:00.1\" is not a PCI address")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","runtimeConfig":{"deviceID":"0000:03:00.9"}}""", 7, "runtimeConfig.deviceID \"0000:03:00.9\"")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","routes":[{"dst":"10.0.0.0/33"}]}""", 7, "routes[0].dst \"10.0.0.0/33\" is not a CIDR")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","routes":[{"dst":"10.0.0.0/8","gw":"x"}]}""", 7, "routes[0].gw \"x\"")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","daemon_timeout_seconds":0}""", 7, "daemon_timeout_seconds 0 is out of range")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","runtimeConfig":{"ips":["10.0.0.256"]}}""", 7, "requested IP \"10.0.0.256\"")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","vhost_user_socket_name":"sock"}""", 7, "vhost_user_socket_volume_name is missing")]
    // Unsupported fields.
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","ipam":{"type":"host-local"}}""", 2, "ipam.type \"host-local\" is not supported")]
    [InlineData("ADD", """{"cniVersion":"1.0.0","name":"n","type":"vmnet","vhost_user_socket_consumption":"qemu"}""", 2, "vhost_user_socket_consumption \"qemu\"")]
    public void Bad_input_is_rejected_naming_field_and_value(string command, string json, int code, string message)
    {
        var env = new CniEnvironment(command, "cid", "/var/run/netns/ns1", "eth0", PodArgs, "/opt/cni/bin");

        var ex = Assert.Throws<CniException>(() => Build(env.ParseCommand(), json, env));

        Assert.Equal(code, ex.Code);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ADD", "cid", null, "eth0", "CNI_NETNS missing for ADD")]
    [InlineData("CHECK", "cid", null, "eth0", "CNI_NETNS missing for CHECK")]
    [InlineData("ADD", null, null, null, "variables CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME missing for ADD")]
    [InlineData("DEL", "cid", "/ns", null, "CNI_IFNAME missing for DEL")]
    [InlineData("ADD", "cid", "/ns", "averyveryverylongname", "CNI_IFNAME \"averyveryverylongname\" is longer than 15")]
    [InlineData("ADD", "cid", "/ns", "eth/0", "CNI_IFNAME \"eth/0\" is not a valid interface name")]
    [InlineData("ADD", "-cid", "/ns", "eth0", "CNI_CONTAINERID \"-cid\" is not a valid container ID")]
    [InlineData("DEL", "c id", "/ns", "eth0", "CNI_CONTAINERID \"c id\" is not a valid container ID")]
    public void Missing_or_bad_env_is_code_4_naming_the_variable(string command, string? containerId, string? netns, string? ifName, string message)
    {
        var env = new CniEnvironment(command, containerId, netns, ifName, PodArgs, "/opt/cni/bin");
        var cniVersion = command == "CHECK" ? "1.0.0" : "0.3.1";

        var ex = Assert.Throws<CniException>(() => Build(env.ParseCommand(), $$"""{"cniVersion":"{{cniVersion}}","name":"n","type":"vmnet"}""", env));

        Assert.Equal(CniErrorCodes.InvalidEnvironmentVariables, ex.Code);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("K8S_POD_NAMESPACE=default", "CNI_ARGS has no K8S_POD_NAME")]
    [InlineData("K8S_POD_NAME=vm1", "CNI_ARGS has no K8S_POD_NAMESPACE")]
    [InlineData(null, "CNI_ARGS has no K8S_POD_NAME")]
    public void Add_without_pod_identity_is_code_4(string? args, string message)
    {
        var ex = Assert.Throws<CniException>(() => Build(CniCommand.Add, """{"cniVersion":"1.0.0","name":"n","type":"vmnet"}""", args: args));

        Assert.Equal(CniErrorCodes.InvalidEnvironmentVariables, ex.Code);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "CNI_COMMAND is missing")]
    [InlineData("add", "CNI_COMMAND \"add\" is not one of")]
    public void Bad_command_is_code_4(string? command, string message)
    {
        var ex = Assert.Throws<CniException>(() => new CniEnvironment(command, null, null, null, null, null).ParseCommand());

        Assert.Equal(CniErrorCodes.InvalidEnvironmentVariables, ex.Code);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0.0", "1.0.0")]
    [InlineData("0.2.0", CniVersions.Current)]
    [InlineData(null, CniVersions.Current)]
    public void Errors_are_reported_in_the_requested_version_when_supported(string? requested, string expected) =>
        Assert.Equal(expected, CniInvocationBuilder.ErrorVersionFor(requested));

    private static CniInvocation Build(CniCommand command, string json, CniEnvironment? env = null, string? args = PodArgs)
    {
        env ??= new CniEnvironment(command.ToString().ToUpperInvariant(), "cid", "/var/run/netns/ns1", "eth0", args, "/opt/cni/bin");
        return CniInvocationBuilder.Build(command, env, NetConfParser.Parse(Encoding.UTF8.GetBytes(json)));
    }
}
