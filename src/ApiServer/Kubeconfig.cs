using System.Text;

namespace VmNet.ApiServer;

/// <summary>Writes a kubeconfig (YAML) that points kubectl and clients at the server.</summary>
internal static class Kubeconfig
{
    public static string Render(Uri server, string? caPem, string? token, string contextName)
    {
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nkind: Config\nclusters:\n- name: ").Append(contextName).Append('\n');
        sb.Append("  cluster:\n    server: ").Append(server.ToString().TrimEnd('/')).Append('\n');
        if (caPem is not null)
        {
            sb.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem))).Append('\n');
        }

        sb.Append("users:\n- name: ").Append(contextName).Append('\n');
        sb.Append("  user:");
        sb.Append(token is null ? " {}\n" : "\n    token: " + token + "\n");
        sb.Append("contexts:\n- name: ").Append(contextName).Append('\n');
        sb.Append("  context:\n    cluster: ").Append(contextName).Append("\n    user: ").Append(contextName).Append("\n    namespace: default\n");
        sb.Append("current-context: ").Append(contextName).Append('\n');
        return sb.ToString();
    }
}
