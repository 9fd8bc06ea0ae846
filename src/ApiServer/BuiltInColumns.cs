using System.Globalization;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer;

/// <summary>The table columns kubectl shows for built-in kinds (the real server's printers), and CRD columns.</summary>
internal static class BuiltInColumns
{
    private static readonly PrinterColumn Name = new("Name", "string", ".metadata.name", "Name must be unique within a namespace.", 0, "name");
    private static readonly PrinterColumn Age = new("Age", "date", ".metadata.creationTimestamp", "CreationTimestamp is a timestamp representing the server time when this object was created.");

    /// <summary>Columns for a resource; an empty JsonPath marks a column computed by <see cref="Computed"/>.</summary>
    public static List<PrinterColumn> For(ResourceType type)
    {
        if (type.PrinterColumns.Count > 0)
        {
            return [Name, .. type.PrinterColumns];
        }

        return type.GroupResource switch
        {
            { Group: "", Resource: "pods" } =>
            [
                Name,
                new PrinterColumn("Ready", "string", string.Empty, "The aggregate readiness state of this pod for accepting traffic."),
                new PrinterColumn("Status", "string", ".status.phase", "The aggregate status of the containers in this pod."),
                new PrinterColumn("Restarts", "string", string.Empty, "The number of times the containers in this pod have been restarted."),
                Age,
                new PrinterColumn("IP", "string", ".status.podIP", "IP address allocated to the pod.", 1),
                new PrinterColumn("Node", "string", ".spec.nodeName", "Name of the Node this pod is assigned to.", 1),
            ],
            { Group: "", Resource: "namespaces" } => [Name, new PrinterColumn("Status", "string", ".status.phase", "The status of the namespace"), Age],
            { Group: "", Resource: "nodes" } =>
            [
                Name,
                new PrinterColumn("Status", "string", string.Empty, "The status of the node"),
                Age,
                new PrinterColumn("Version", "string", ".status.nodeInfo.kubeletVersion", "Kubelet Version reported by the node."),
            ],
            { Group: "", Resource: "services" } =>
            [
                Name,
                new PrinterColumn("Type", "string", ".spec.type", "The type of the service."),
                new PrinterColumn("Cluster-IP", "string", ".spec.clusterIP", "The IP address of the service."),
                new PrinterColumn("Port(s)", "string", string.Empty, "The ports that the service exposes."),
                Age,
            ],
            { Group: "", Resource: "events" } =>
            [
                new PrinterColumn("Last Seen", "date", ".lastTimestamp", "Time when this Event was last seen."),
                new PrinterColumn("Type", "string", ".type", "Type of this event (Normal, Warning)."),
                new PrinterColumn("Reason", "string", ".reason", "Why the action was taken."),
                new PrinterColumn("Object", "string", string.Empty, "The object that this event is about."),
                new PrinterColumn("Message", "string", ".message", "A human-readable description of the status of this operation."),
            ],
            _ => [Name, Age],
        };
    }

    public static JsonNode? Computed(ResourceType type, string column, JsonObject node)
    {
        switch (type.Plural, column)
        {
            case ("pods", "Ready"):
            {
                var statuses = ContainerStatuses(node);
                var containers = (node["spec"]?["containers"] as JsonArray)?.Count ?? 0;
                return $"{statuses.Count(s => s["ready"] is JsonValue r && (bool)r)}/{containers}";
            }

            case ("pods", "Restarts"):
                return ContainerStatuses(node).Sum(s => (int?)s["restartCount"] ?? 0).ToString(CultureInfo.InvariantCulture);
            case ("nodes", "Status"):
                var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Ready");
                var status = (string?)ready?["status"] == "True" ? "Ready" : ready is null ? "Unknown" : "NotReady";
                return node["spec"]?["unschedulable"] is JsonValue u && (bool)u ? status + ",SchedulingDisabled" : status;
            case ("services", "Port(s)"):
                var ports = (node["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>()
                    .Select(p => $"{(int?)p["port"]}{((int?)p["nodePort"] is { } np ? ":" + np.ToString(CultureInfo.InvariantCulture) : string.Empty)}/{(string?)p["protocol"] ?? "TCP"}")
                    .ToList() ?? [];
                return ports.Count == 0 ? "<none>" : string.Join(',', ports);
            case ("events", "Object"):
                var involved = node["involvedObject"];
                return $"{((string?)involved?["kind"])?.ToLowerInvariant()}/{(string?)involved?["name"]}";
            default:
                return null;
        }
    }

    private static List<JsonObject> ContainerStatuses(JsonObject node) =>
        (node["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
}
