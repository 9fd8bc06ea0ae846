namespace VmNet.ApiServer;

/// <summary>
/// The set of resources the server serves. Built-ins are present from the start; more arrive through
/// <see cref="Register"/> or by creating CustomResourceDefinition objects. Thread-safe.
/// </summary>
public sealed class ResourceRegistry
{
    private readonly Lock _gate = new();
    private Dictionary<GroupResource, ResourceType> _types = [];

    internal ResourceRegistry()
    {
        foreach (var type in BuiltInResources.All())
        {
            Register(type);
        }
    }

    /// <summary>Adds or replaces a resource. Existing objects of the same group/resource are kept.</summary>
    public void Register(ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.Versions.Count == 0)
        {
            throw new ArgumentException($"resource {type.QualifiedName} has no versions", nameof(type));
        }

        lock (_gate)
        {
            // Copy-on-write so readers never lock.
            _types = new Dictionary<GroupResource, ResourceType>(_types) { [type.GroupResource] = type };
        }
    }

    public bool Unregister(GroupResource groupResource)
    {
        lock (_gate)
        {
            if (!_types.ContainsKey(groupResource))
            {
                return false;
            }

            var copy = new Dictionary<GroupResource, ResourceType>(_types);
            copy.Remove(groupResource);
            _types = copy;
            return true;
        }
    }

    public IReadOnlyCollection<ResourceType> All => _types.Values;

    public ResourceType? Find(GroupResource groupResource) => _types.GetValueOrDefault(groupResource);

    /// <summary>Finds a resource served at group/version under a plural name.</summary>
    public ResourceType? Find(string group, string version, string plural)
    {
        var type = _types.GetValueOrDefault(new GroupResource(group, plural));
        return type is not null && type.ServesVersion(version) ? type : null;
    }

    /// <summary>Finds a resource by apiVersion ("v1", "kubeovn.io/v1") and kind.</summary>
    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        return _types.Values.FirstOrDefault(t => t.Group == group && t.Kind == kind && t.ServesVersion(version));
    }

    public ResourceType Get(GroupResource groupResource) =>
        Find(groupResource) ?? throw new KeyNotFoundException($"resource {groupResource} is not registered");

    internal static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (string.Empty, apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }
}
