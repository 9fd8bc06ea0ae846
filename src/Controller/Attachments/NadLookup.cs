using VmNet.Controller.Runtime.Informers;
using VmNet.Kube.Models;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>NetworkAttachmentDefinitions from the informer cache, classified (a malformed config throws <see cref="MultusException"/>).</summary>
public sealed class NadLookup(ISharedInformer<V1NetworkAttachmentDefinition> nads)
{
    public NadConfig? Find(string ns, string name)
    {
        var nad = nads.Indexer.Get(ns, name);
        return nad is null ? null : NadConfigClassifier.Classify($"{ns}/{name}", nad.Spec?.Config);
    }
}
