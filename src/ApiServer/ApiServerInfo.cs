namespace VmNet.ApiServer;

/// <summary>Marker for the in-process Kubernetes API server assembly.</summary>
public static class ApiServerInfo
{
    public const string Name = "vmnet-apiserver";
}
