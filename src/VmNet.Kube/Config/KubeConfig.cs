using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace VmNet.Kube.Config;

/// <summary>
/// Where the API server is and how to authenticate to it: from a kubeconfig file (current or named context;
/// client certificate/key PEM, bearer token or token file, CA data or file) or from the in-cluster service account.
/// Exec and auth-provider plugins are not supported.
/// </summary>
public sealed class KubeConfig
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public KubeConfig(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp)
        {
            throw new KubeConfigException($"server '{server}' must be an http or https URL");
        }

        Server = server;
    }

    /// <summary>API server base URL.</summary>
    public Uri Server { get; }

    /// <summary>Default namespace of the context (or of the service account), if any.</summary>
    public string? Namespace { get; init; }

    /// <summary>CAs that server certificates must chain to; null means the system trust store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Client certificate with its private key, for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    public IKubeTokenSource? TokenSource { get; init; }

    /// <summary>Skip server certificate checks; only ever true when a kubeconfig says so explicitly.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Name to verify the server certificate against instead of the URL host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>
    /// The usual order: $KUBECONFIG (first file), then ~/.kube/config, then the in-cluster service account.
    /// </summary>
    public static KubeConfig LoadDefault()
    {
        var fromEnv = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return LoadFromFile(fromEnv.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var homeConfig = Path.Combine(home, ".kube", "config");
        return File.Exists(homeConfig) ? LoadFromFile(homeConfig) : InCluster();
    }

    /// <summary>Reads a kubeconfig file; relative file paths inside it are resolved against its directory.</summary>
    public static KubeConfig LoadFromFile(string path, string? context = null)
    {
        string yaml;
        try
        {
            yaml = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"cannot read kubeconfig '{path}': {e.Message}", e);
        }

        return LoadFromYaml(yaml, Path.GetDirectoryName(Path.GetFullPath(path)), context, path);
    }

    /// <summary>Parses kubeconfig YAML text.</summary>
    public static KubeConfig LoadFromYaml(string yaml, string? baseDirectory = null, string? context = null, string source = "kubeconfig")
    {
        KubeConfigFile file;
        try
        {
            var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
            file = deserializer.Deserialize<KubeConfigFile>(yaml) ?? new KubeConfigFile();
        }
        catch (YamlException e)
        {
            throw new KubeConfigException($"{source}: not valid kubeconfig YAML at line {e.Start.Line}: {e.Message}", e);
        }

        return new KubeConfigResolver(file, baseDirectory ?? Directory.GetCurrentDirectory(), source).Resolve(context);
    }

    /// <summary>
    /// The pod's service account: KUBERNETES_SERVICE_HOST/PORT, the token file (re-read as it rotates),
    /// the CA bundle and the namespace file from <paramref name="serviceAccountDirectory"/>.
    /// </summary>
    public static KubeConfig InCluster(string serviceAccountDirectory = ServiceAccountDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");
        }

        var tokenPath = Path.Combine(serviceAccountDirectory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"service account token '{tokenPath}' does not exist");
        }

        var caPath = Path.Combine(serviceAccountDirectory, "ca.crt");
        var namespacePath = Path.Combine(serviceAccountDirectory, "namespace");
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new KubeConfig(new Uri($"https://{hostPart}:{port}"))
        {
            TokenSource = new FileTokenSource(tokenPath),
            CertificateAuthorities = File.Exists(caPath) ? Pem.LoadCertificates(File.ReadAllText(caPath), caPath) : null,
            Namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : null,
        };
    }
}

/// <summary>PEM helpers with errors that name the source.</summary>
internal static class Pem
{
    public static X509Certificate2Collection LoadCertificates(string pem, string source)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"{source}: not a valid PEM certificate bundle: {e.Message}", e);
        }

        if (collection.Count == 0)
        {
            throw new KubeConfigException($"{source}: no PEM certificate found");
        }

        return collection;
    }

    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem, string source)
    {
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // Export/re-import gives the key a persisted handle that SslStream can use for client authentication.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new KubeConfigException($"{source}: client certificate/key PEM is invalid or the key does not match: {e.Message}", e);
        }
    }

    public static string DecodeBase64(string data, string field, string source)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data.Trim()));
        }
        catch (FormatException e)
        {
            throw new KubeConfigException($"{source}: {field} is not valid base64", e);
        }
    }
}
