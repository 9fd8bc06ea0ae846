namespace VmNet.Controller.Runtime.Informers;

/// <summary>Cache keys in client-go's MetaNamespaceKeyFunc format: "namespace/name", or "name" when cluster-scoped.</summary>
public static class ObjectKeys
{
    public static string For(string? @namespace, string name) =>
        string.IsNullOrEmpty(@namespace) ? name : string.Concat(@namespace, "/", name);

    public static string For<T>(IObjectMetaAccessor<T> meta, T obj)
        where T : class =>
        For(meta.GetNamespace(obj), meta.GetName(obj));

    /// <summary>Splits a key back into namespace (empty when cluster-scoped) and name.</summary>
    public static (string Namespace, string Name) Split(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (string.Empty, key);
        }

        if (slash == 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0)
        {
            throw new FormatException($"object key '{key}' is not of the form 'namespace/name' or 'name'");
        }

        return (key[..slash], key[(slash + 1)..]);
    }
}
