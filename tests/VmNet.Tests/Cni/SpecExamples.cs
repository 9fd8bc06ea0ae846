namespace VmNet.Tests.Cni;

/// <summary>Result examples from the CNI spec (SPEC.md "Success" sections), per version.</summary>
internal static class SpecExamples
{
    // SPEC.md v1.1.0 / v1.0.0 example (cniVersion set by the test).
    public const string Result1x = """
        {
          "cniVersion": "VERSION",
          "interfaces": [
              { "name": "cni0", "mac": "00:11:22:33:44:55" },
              { "name": "veth3243", "mac": "55:44:33:22:11:11" },
              { "name": "eth0", "mac": "99:88:77:66:55:44", "sandbox": "/var/run/netns/blue" }
          ],
          "ips": [
              { "address": "10.1.0.5/16", "gateway": "10.1.0.1", "interface": 2 }
          ],
          "routes": [ { "dst": "0.0.0.0/0" } ],
          "dns": { "nameservers": [ "10.1.0.1" ] }
        }
        """;

    // SPEC.md v0.4.0 example; 0.3.x has the same shape (ips carry "version").
    public const string Result04x = """
        {
          "cniVersion": "VERSION",
          "interfaces": [
              { "name": "cni0", "mac": "00:11:22:33:44:55" },
              { "name": "veth3243", "mac": "55:44:33:22:11:11" },
              { "name": "eth0", "mac": "99:88:77:66:55:44", "sandbox": "/var/run/netns/blue" }
          ],
          "ips": [
              { "version": "4", "address": "10.1.0.5/16", "gateway": "10.1.0.1", "interface": 2 }
          ],
          "routes": [ { "dst": "0.0.0.0/0" } ],
          "dns": { "nameservers": [ "10.1.0.1" ] }
        }
        """;

    public static string For(string template, string version) => template.Replace("VERSION", version, StringComparison.Ordinal);
}
