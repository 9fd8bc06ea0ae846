using System.Text.Json.Nodes;

namespace VmNet.Cni.Tests.Infrastructure;

/// <summary>Netconf documents as a runtime would hand them to the plugin.</summary>
public static class NetConfJson
{
    public static JsonObject Of(string cniVersion, string? socket, string type = "vmnet")
    {
        var conf = new JsonObject { ["cniVersion"] = cniVersion, ["name"] = "kube-ovn", ["type"] = type };
        if (socket is not null)
        {
            conf["server_socket"] = socket;
        }

        return conf;
    }

    public static string Text(string cniVersion, string? socket, string type = "vmnet") => Of(cniVersion, socket, type).ToJsonString();
}
