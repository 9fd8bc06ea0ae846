using System.Reflection;
using System.Text.RegularExpressions;
using VmNet.Kube;
using VmNet.TestSupport;

namespace VmNet.E2E.Chart;

/// <summary>One RBAC permission: a verb on a resource (or subresource, "nodes/status") of an API group.</summary>
public sealed record Grant(string Group, string Resource, string Verb)
{
    public override string ToString() => $"{(Group.Length == 0 ? "core" : Group)}/{Resource}:{Verb}";
}

/// <summary>
/// The Kubernetes API calls a program makes, read from its C# sources: calls on the client typed with a model
/// (<c>kube.PatchAsync&lt;V1Pod&gt;(</c>, <c>context.Kube.PatchStatusAsync&lt;V1Subnet&gt;(</c>), informers
/// (<c>InformerOptions&lt;V1Pod&gt;(</c>: list and watch) and single-object watches (<c>ObjectWatcher&lt;V1Node&gt;</c>:
/// get and watch). Calls whose resource the source does not name (<c>kube.CreateAsync(ip, ...)</c>, generic
/// plumbing on <c>T</c>) are listed by file, so a test can require each such file to be accounted for by hand.
/// </summary>
public sealed class KubeApiUsage
{
    private static readonly Regex ClientCall = new(
        @"\b(?:kube|Kube|_kube|_client)\.(?<method>Get|List|ListAll|Watch|Create|Replace|ReplaceStatus|Patch|PatchStatus|Delete)Async(?:<(?<type>\w+)>)?\(",
        RegexOptions.CultureInvariant);

    private static readonly Regex InformerOf = new(@"\bInformerOptions<(?<type>\w+)>\(", RegexOptions.CultureInvariant);

    private static readonly Regex ObjectWatcherOf = new(@"\bObjectWatcher<(?<type>\w+)>", RegexOptions.CultureInvariant);

    private KubeApiUsage(IReadOnlySet<Grant> grants, IReadOnlySet<KubeResource> informers, IReadOnlySet<string> filesWithUnnamedResources)
    {
        Grants = grants;
        Informers = informers;
        FilesWithUnnamedResources = filesWithUnnamedResources;
    }

    public IReadOnlySet<Grant> Grants { get; }

    /// <summary>Resources the program keeps an informer on (list and watch across the cluster).</summary>
    public IReadOnlySet<KubeResource> Informers { get; }

    /// <summary>Files (relative to the scanned directory) with client calls whose resource the source does not name.</summary>
    public IReadOnlySet<string> FilesWithUnnamedResources { get; }

    /// <summary>Scans <c>src/<paramref name="project"/></c> (e.g. "Controller").</summary>
    public static KubeApiUsage Scan(string project)
    {
        var root = Path.Combine(TestPaths.RepoRoot, "src", project);
        var grants = new HashSet<Grant>();
        var informers = new HashSet<KubeResource>();
        var unnamed = new SortedSet<string>(StringComparer.Ordinal);
        var sources = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar)[0] is not ("obj" or "bin"));
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            foreach (Match call in ClientCall.Matches(text))
            {
                if (ResourceOf(call.Groups["type"].Value) is { } resource)
                {
                    grants.Add(GrantFor(resource, call.Groups["method"].Value));
                }
                else
                {
                    unnamed.Add(Path.GetRelativePath(root, file));
                }
            }

            foreach (Match informer in InformerOf.Matches(text))
            {
                if (ResourceOf(informer.Groups["type"].Value) is { } resource)
                {
                    informers.Add(resource);
                    grants.Add(new Grant(resource.Group, resource.Plural, "list"));
                    grants.Add(new Grant(resource.Group, resource.Plural, "watch"));
                }
            }

            foreach (Match watcher in ObjectWatcherOf.Matches(text))
            {
                if (ResourceOf(watcher.Groups["type"].Value) is { } resource)
                {
                    grants.Add(new Grant(resource.Group, resource.Plural, "get"));
                    grants.Add(new Grant(resource.Group, resource.Plural, "watch"));
                }
            }
        }

        return new KubeApiUsage(grants, informers, unnamed);
    }

    private static Grant GrantFor(KubeResource resource, string method) => method switch
    {
        "Get" => new(resource.Group, resource.Plural, "get"),
        "List" or "ListAll" => new(resource.Group, resource.Plural, "list"),
        "Watch" => new(resource.Group, resource.Plural, "watch"),
        "Create" => new(resource.Group, resource.Plural, "create"),
        "Replace" => new(resource.Group, resource.Plural, "update"),
        "ReplaceStatus" => new(resource.Group, resource.Plural + "/status", "update"),
        "Patch" => new(resource.Group, resource.Plural, "patch"),
        "PatchStatus" => new(resource.Group, resource.Plural + "/status", "patch"),
        "Delete" => new(resource.Group, resource.Plural, "delete"),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a client method"),
    };

    /// <summary>The REST resource of a model type name (V1Pod → pods), or null for a type parameter or a non-model.</summary>
    private static KubeResource? ResourceOf(string typeName) =>
        typeName.Length == 0 ? null
        : typeof(KubeResources).Assembly.GetType("VmNet.Kube.Models." + typeName)?
            .GetProperty("Resource", BindingFlags.Public | BindingFlags.Static)?
            .GetValue(null) as KubeResource;
}
