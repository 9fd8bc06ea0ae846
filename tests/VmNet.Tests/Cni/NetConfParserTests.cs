using System.Text;
using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class NetConfParserTests
{
    [Fact]
    public void Kube_ovn_nad_config_is_read()
    {
        var conf = Parse("""
            {"cniVersion":"0.3.1","name":"attach1","type":"kube-ovn","server_socket":"/run/openvswitch/kube-ovn-daemon.sock",
             "provider":"attach1.default.ovn","mtu":1400,"deviceID":"0000:03:00.2","vf_driver":"vfio-pci",
             "vhost_user_socket_volume_name":"vhostuser-sockets","vhost_user_socket_name":"sock",
             "routes":[{"dst":"10.0.0.0/8","gw":"10.16.0.1"}],
             "runtimeConfig":{"mac":"00:11:22:33:44:55","ips":["10.16.0.9/16"],"portMappings":[{"hostPort":80}]},
             "args":{"cni":{"labels":[{"key":"a","value":"b"}]}}}
            """);

        Assert.Equal("0.3.1", conf.CniVersion);
        Assert.Equal("kube-ovn", conf.Type);
        Assert.Equal("/run/openvswitch/kube-ovn-daemon.sock", conf.ServerSocket);
        Assert.Equal("attach1.default.ovn", conf.Provider);
        Assert.Equal(1400, conf.Mtu);
        Assert.Equal("0000:03:00.2", conf.DeviceId);
        Assert.Equal("vfio-pci", conf.VfDriver);
        Assert.Equal("vhostuser-sockets", conf.VhostUserSocketVolumeName);
        Assert.Equal("sock", conf.VhostUserSocketName);
        Assert.Equal("10.16.0.1", conf.Routes![0].Gw);
        Assert.Equal("00:11:22:33:44:55", conf.RuntimeConfig!.Mac);
        Assert.Equal(["10.16.0.9/16"], conf.RuntimeConfig.Ips!);
        Assert.True(conf.RuntimeConfig.Extra!.ContainsKey("portMappings"));
        Assert.True(conf.Args.HasValue);
    }

    [Fact]
    public void Ipam_only_config_is_read()
    {
        var conf = Parse("""
            {"cniVersion":"1.0.0","name":"macvlan1","type":"macvlan","master":"eth0",
             "ipam":{"type":"kube-ovn","server_socket":"/run/vmnet/daemon.sock","provider":"macvlan1.default","routes":[{"dst":"0.0.0.0/0"}]}}
            """);

        Assert.Equal("macvlan", conf.Type);
        Assert.Equal("kube-ovn", conf.Ipam!.Type);
        Assert.Equal("macvlan1.default", conf.Ipam.Provider);
        Assert.Equal("0.0.0.0/0", conf.Ipam.Routes![0].Dst);
    }

    [Fact]
    public void Conflist_plugins_get_the_list_name_and_version()
    {
        var plugins = NetConfParser.ParseConfListPlugins(Encoding.UTF8.GetBytes("""
            {
              "name": "kube-ovn",
              "cniVersion": "0.3.1",
              "plugins": [
                { "type": "kube-ovn", "server_socket": "/run/vmnet/daemon.sock", "ipam": { "server_socket": "/run/vmnet/daemon.sock" } },
                { "type": "portmap", "capabilities": { "portMappings": true } }
              ]
            }
            """));

        Assert.Equal(2, plugins.Count);
        Assert.All(plugins, p => Assert.Equal("kube-ovn", p.Name));
        Assert.All(plugins, p => Assert.Equal("0.3.1", p.CniVersion));
        Assert.Equal("kube-ovn", plugins[0].Type);
        Assert.Equal("portmap", plugins[1].Type);
        Assert.True(plugins[1].Capabilities!["portMappings"]);
    }

    [Fact]
    public void Conflist_cniVersions_pick_the_highest_supported_one()
    {
        var plugins = NetConfParser.ParseConfListPlugins("""{"name":"x","cniVersions":["0.4.0","1.1.0","9.0.0","1.0.0"],"plugins":[{"type":"vmnet"}]}"""u8);

        Assert.Equal("1.1.0", plugins[0].CniVersion);
    }

    [Fact]
    public void Conflist_without_plugins_is_code_7()
    {
        var ex = Assert.Throws<CniException>(() => NetConfParser.ParseConfListPlugins("""{"name":"x","cniVersion":"1.0.0","plugins":[]}"""u8));

        Assert.Equal(CniErrorCodes.InvalidNetworkConfig, ex.Code);
        Assert.Contains("\"x\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_code_6_with_its_position()
    {
        var ex = Assert.Throws<CniException>(() => Parse("{\"cniVersion\":\"1.0.0\",\n \"name\": nope}"));

        Assert.Equal(CniErrorCodes.DecodingFailure, ex.Code);
        Assert.Contains("line 2, byte 11", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_field_type_is_code_6_naming_the_path()
    {
        var ex = Assert.Throws<CniException>(() => Parse("""{"cniVersion":"1.0.0","mtu":"big"}"""));

        Assert.Equal(CniErrorCodes.DecodingFailure, ex.Code);
        Assert.Contains("$.mtu", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("null")]
    public void Empty_or_null_stdin_is_code_6(string json)
    {
        var ex = Assert.Throws<CniException>(() => Parse(json));

        Assert.Equal(CniErrorCodes.DecodingFailure, ex.Code);
    }

    private static NetConf Parse(string json) => NetConfParser.Parse(Encoding.UTF8.GetBytes(json));
}
