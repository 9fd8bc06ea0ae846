namespace VmNet.Kube;

/// <summary>RFC 6901 JSON pointers, e.g. for annotation keys such as <c>ovn.kubernetes.io/ip_address</c>.</summary>
public static class JsonPointer
{
    /// <summary>Escapes one reference token: '~' becomes '~0', '/' becomes '~1'.</summary>
    public static string Escape(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }

    /// <summary>Builds a pointer from unescaped tokens: <c>Build("metadata", "annotations", "a/b")</c> is <c>/metadata/annotations/a~1b</c>.</summary>
    public static string Build(params string[] tokens) => string.Concat(tokens.Select(t => "/" + Escape(t)));
}
