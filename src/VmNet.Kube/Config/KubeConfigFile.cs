using YamlDotNet.Serialization;

namespace VmNet.Kube.Config;

// The kubeconfig YAML shape (clientcmd/api/v1), only the fields we use; unknown fields are ignored.
internal sealed class KubeConfigFile
{
    [YamlMember(Alias = "current-context")]
    public string? CurrentContext { get; set; }

    [YamlMember(Alias = "clusters")]
    public List<NamedCluster>? Clusters { get; set; }

    [YamlMember(Alias = "contexts")]
    public List<NamedContext>? Contexts { get; set; }

    [YamlMember(Alias = "users")]
    public List<NamedUser>? Users { get; set; }
}

internal sealed class NamedCluster
{
    [YamlMember(Alias = "name")]
    public string? Name { get; set; }

    [YamlMember(Alias = "cluster")]
    public ClusterEntry? Cluster { get; set; }
}

internal sealed class ClusterEntry
{
    [YamlMember(Alias = "server")]
    public string? Server { get; set; }

    [YamlMember(Alias = "certificate-authority")]
    public string? CertificateAuthority { get; set; }

    [YamlMember(Alias = "certificate-authority-data")]
    public string? CertificateAuthorityData { get; set; }

    [YamlMember(Alias = "insecure-skip-tls-verify")]
    public bool InsecureSkipTlsVerify { get; set; }

    [YamlMember(Alias = "tls-server-name")]
    public string? TlsServerName { get; set; }
}

internal sealed class NamedContext
{
    [YamlMember(Alias = "name")]
    public string? Name { get; set; }

    [YamlMember(Alias = "context")]
    public ContextEntry? Context { get; set; }
}

internal sealed class ContextEntry
{
    [YamlMember(Alias = "cluster")]
    public string? Cluster { get; set; }

    [YamlMember(Alias = "user")]
    public string? User { get; set; }

    [YamlMember(Alias = "namespace")]
    public string? Namespace { get; set; }
}

internal sealed class NamedUser
{
    [YamlMember(Alias = "name")]
    public string? Name { get; set; }

    [YamlMember(Alias = "user")]
    public UserEntry? User { get; set; }
}

internal sealed class UserEntry
{
    [YamlMember(Alias = "client-certificate")]
    public string? ClientCertificate { get; set; }

    [YamlMember(Alias = "client-certificate-data")]
    public string? ClientCertificateData { get; set; }

    [YamlMember(Alias = "client-key")]
    public string? ClientKey { get; set; }

    [YamlMember(Alias = "client-key-data")]
    public string? ClientKeyData { get; set; }

    [YamlMember(Alias = "token")]
    public string? Token { get; set; }

    [YamlMember(Alias = "tokenFile")]
    public string? TokenFile { get; set; }

    [YamlMember(Alias = "exec")]
    public Dictionary<string, object>? Exec { get; set; }

    [YamlMember(Alias = "auth-provider")]
    public Dictionary<string, object>? AuthProvider { get; set; }

    [YamlMember(Alias = "username")]
    public string? Username { get; set; }
}
