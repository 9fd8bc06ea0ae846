using System.Security.Cryptography.X509Certificates;

namespace VmNet.Kube.Config;

/// <summary>Turns a parsed kubeconfig into a <see cref="KubeConfig"/> for one context.</summary>
internal sealed class KubeConfigResolver(KubeConfigFile file, string baseDirectory, string source)
{
    public KubeConfig Resolve(string? contextName)
    {
        var name = contextName ?? file.CurrentContext;
        if (string.IsNullOrEmpty(name))
        {
            throw new KubeConfigException($"{source}: no context given and current-context is not set");
        }

        var context = file.Contexts?.FirstOrDefault(c => c.Name == name)?.Context
            ?? throw new KubeConfigException($"{source}: context '{name}' not found");
        var cluster = file.Clusters?.FirstOrDefault(c => c.Name == context.Cluster)?.Cluster
            ?? throw new KubeConfigException($"{source}: cluster '{context.Cluster}' of context '{name}' not found");
        var user = string.IsNullOrEmpty(context.User)
            ? new UserEntry()
            : file.Users?.FirstOrDefault(u => u.Name == context.User)?.User
                ?? throw new KubeConfigException($"{source}: user '{context.User}' of context '{name}' not found");

        if (string.IsNullOrEmpty(cluster.Server) || !Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
        {
            throw new KubeConfigException($"{source}: cluster '{context.Cluster}' server '{cluster.Server}' is not an absolute URL");
        }

        return new KubeConfig(server)
        {
            Namespace = string.IsNullOrEmpty(context.Namespace) ? null : context.Namespace,
            CertificateAuthorities = LoadCertificateAuthorities(cluster, context.Cluster!),
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
            ClientCertificate = LoadClientCertificate(user, context.User),
            TokenSource = LoadTokenSource(user, context.User),
        };
    }

    private X509Certificate2Collection? LoadCertificateAuthorities(ClusterEntry cluster, string clusterName)
    {
        var where = $"{source}: cluster '{clusterName}'";
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            return Pem.LoadCertificates(Pem.DecodeBase64(cluster.CertificateAuthorityData, "certificate-authority-data", where), $"{where} certificate-authority-data");
        }

        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            var path = ResolvePath(cluster.CertificateAuthority);
            return Pem.LoadCertificates(ReadFile(path, $"{where} certificate-authority"), path);
        }

        return null;
    }

    private X509Certificate2? LoadClientCertificate(UserEntry user, string? userName)
    {
        var where = $"{source}: user '{userName}'";
        var certificate = !string.IsNullOrEmpty(user.ClientCertificateData)
            ? Pem.DecodeBase64(user.ClientCertificateData, "client-certificate-data", where)
            : !string.IsNullOrEmpty(user.ClientCertificate) ? ReadFile(ResolvePath(user.ClientCertificate), $"{where} client-certificate") : null;
        var key = !string.IsNullOrEmpty(user.ClientKeyData)
            ? Pem.DecodeBase64(user.ClientKeyData, "client-key-data", where)
            : !string.IsNullOrEmpty(user.ClientKey) ? ReadFile(ResolvePath(user.ClientKey), $"{where} client-key") : null;

        if (certificate is null && key is null)
        {
            return null;
        }

        if (certificate is null || key is null)
        {
            throw new KubeConfigException($"{where}: a client certificate needs both client-certificate(-data) and client-key(-data)");
        }

        return Pem.LoadClientCertificate(certificate, key, where);
    }

    private IKubeTokenSource? LoadTokenSource(UserEntry user, string? userName)
    {
        if (!string.IsNullOrEmpty(user.Token))
        {
            return new StaticTokenSource(user.Token.Trim());
        }

        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            return new FileTokenSource(ResolvePath(user.TokenFile));
        }

        var hasCertificate = !string.IsNullOrEmpty(user.ClientCertificateData) || !string.IsNullOrEmpty(user.ClientCertificate);
        if (!hasCertificate && user.Exec is not null)
        {
            throw new KubeConfigException($"{source}: user '{userName}' uses an exec credential plugin, which is not supported; use a token or a client certificate");
        }

        if (!hasCertificate && user.AuthProvider is not null)
        {
            throw new KubeConfigException($"{source}: user '{userName}' uses an auth-provider plugin, which is not supported; use a token or a client certificate");
        }

        return null;
    }

    private string ResolvePath(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDirectory, path));

    private static string ReadFile(string path, string what)
    {
        try
        {
            return System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"{what}: cannot read '{path}': {e.Message}", e);
        }
    }
}
