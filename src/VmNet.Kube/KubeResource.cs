using System.Text;

namespace VmNet.Kube;

/// <summary>Describes one REST resource of the API server: where its objects live and what they are called.</summary>
/// <param name="Group">API group, empty for the core group.</param>
/// <param name="Version">API version within the group, e.g. <c>v1</c>.</param>
/// <param name="Plural">Resource name in URLs, e.g. <c>pods</c>.</param>
/// <param name="Kind">Object kind, e.g. <c>Pod</c>.</param>
/// <param name="Namespaced">True when objects live in a namespace.</param>
public sealed record KubeResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary>The apiVersion objects of this resource carry: <c>v1</c> or <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>URL path of the collection; <paramref name="namespaceName"/> null lists across all namespaces.</summary>
    public string CollectionPath(string? namespaceName)
    {
        var path = new StringBuilder(Group.Length == 0 ? "/api/" : $"/apis/{Group}/").Append(Version);
        if (namespaceName is not null)
        {
            if (!Namespaced)
            {
                throw new ArgumentException($"{Kind} ({Plural}.{Group}) is cluster-scoped; namespace '{namespaceName}' must not be given", nameof(namespaceName));
            }

            ValidateSegment(namespaceName, "namespace");
            path.Append("/namespaces/").Append(namespaceName);
        }

        return path.Append('/').Append(Plural).ToString();
    }

    /// <summary>URL path of one object, optionally of one of its subresources (e.g. <c>status</c>).</summary>
    public string ObjectPath(string? namespaceName, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(namespaceName))
        {
            throw new ArgumentException($"{Kind} '{name}' is namespaced; a namespace is required", nameof(namespaceName));
        }

        ValidateSegment(name, "name");
        var path = CollectionPath(namespaceName) + "/" + name;
        if (subresource is not null)
        {
            ValidateSegment(subresource, "subresource");
            path += "/" + subresource;
        }

        return path;
    }

    public override string ToString() => Group.Length == 0 ? $"{Plural}/{Version}" : $"{Plural}.{Group}/{Version}";

    private void ValidateSegment(string value, string what)
    {
        // Object names are DNS subdomains; anything that would change the URL path is a caller bug.
        if (value.Length == 0 || value.Contains('/', StringComparison.Ordinal) || value.Contains('?', StringComparison.Ordinal)
            || value.Contains('#', StringComparison.Ordinal) || value.Contains('%', StringComparison.Ordinal) || value is "." or "..")
        {
            throw new ArgumentException($"{Kind} {what} '{value}' is not a valid path segment", what);
        }
    }
}
