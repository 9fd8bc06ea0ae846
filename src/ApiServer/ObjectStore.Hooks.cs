using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>Per-resource behaviour the real server's strategies and controllers provide.</summary>
public sealed partial class ObjectStore
{
    private static readonly GroupResource CrdResource = new("apiextensions.k8s.io", "customresourcedefinitions");
    private static readonly GroupResource PodsResource = new(string.Empty, "pods");
    private static readonly GroupResource ServicesResource = new(string.Empty, "services");
    private readonly ServiceIpAllocator _serviceIps = new();

    /// <summary>Prunes, defaults and validates an incoming custom object by its CRD schema (when enabled), before any comparison.</summary>
    private void ApplySchema(ResourceType type, JsonObject node)
    {
        if (_options.ApplyCrdSchemas && type.IsCustom && _registry.Find(type.GroupResource)?.OpenApiSchema is { } schema)
        {
            StructuralSchema.Apply(node, schema);
            var errors = SchemaValidator.Validate(node, schema);
            if (errors.Count > 0)
            {
                throw KubeApiException.Invalid(type, node.Metadata().GetString("name"), errors);
            }
        }
    }

    private void BeforeWrite(ResourceType type, JsonObject node, StoredObject? old)
    {
        var resource = type.GroupResource;
        if (old is null && resource == PodsResource)
        {
            node["status"] = new JsonObject { ["phase"] = "Pending" };
        }
        else if (old is null && resource == NamespacesResource)
        {
            node["status"] = new JsonObject { ["phase"] = "Active" };
        }
        else if (resource == ServicesResource)
        {
            _serviceIps.Assign(node, old, reserve: !_dryRun);
        }
        else if (resource == CrdResource)
        {
            var types = CustomResourceDefinitions.ToResourceTypes(node, type);
            foreach (var t in types)
            {
                var existing = _registry.Find(t.GroupResource);
                if (existing is not null && !existing.IsCustom)
                {
                    throw KubeApiException.Invalid(type, node.Metadata().GetString("name"), "spec.group", "FieldValueInvalid",
                        $"Invalid value: \"{t.Group}\": resource {t.QualifiedName} is built in and cannot be redefined");
                }
            }

            CustomResourceDefinitions.SetAcceptedStatus(node, _options.TimeProvider.GetUtcNow());
        }
    }

    private void AfterWrite(ResourceType type, StoredObject stored)
    {
        if (type.GroupResource == CrdResource && !stored.IsDeleting && !_dryRun)
        {
            foreach (var t in CustomResourceDefinitions.ToResourceTypes(stored.ToNode(), type))
            {
                _registry.Register(t);
            }
        }
    }

    private void AfterRemove(ResourceType type, StoredObject removed)
    {
        if (type.GroupResource == CrdResource)
        {
            foreach (var t in CustomResourceDefinitions.ToResourceTypes(removed.ToNode(), type))
            {
                PurgeResource(t.GroupResource);
                _registry.Unregister(t.GroupResource);
            }
        }
        else if (type.GroupResource == ServicesResource)
        {
            _serviceIps.Release(removed.ToNode());
        }
    }
}
