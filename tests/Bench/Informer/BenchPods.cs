using System.Globalization;
using System.Text.Json.Nodes;

namespace VmNet.Bench.Informer;

/// <summary>
/// Pods shaped like those of a real cluster running Kube-OVN: a Deployment's pod with managedFields,
/// Kube-OVN's network annotations, a container with env, ports, probes and mounts, and a full status.
/// </summary>
internal static class BenchPods
{
    public static JsonObject Create(string ns, int index)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"web-7d9f8c6b5-{index:x5}");
        var ip = string.Create(CultureInfo.InvariantCulture, $"10.16.{index / 250}.{(index % 250) + 2}");
        var node = string.Create(CultureInfo.InvariantCulture, $"node-{index % 50}");
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["generateName"] = "web-7d9f8c6b5-",
                ["labels"] = new JsonObject { ["app"] = "web", ["pod-template-hash"] = "7d9f8c6b5", ["tier"] = "frontend" },
                ["annotations"] = new JsonObject
                {
                    ["ovn.kubernetes.io/allocated"] = "true",
                    ["ovn.kubernetes.io/cidr"] = "10.16.0.0/16",
                    ["ovn.kubernetes.io/gateway"] = "10.16.0.1",
                    ["ovn.kubernetes.io/ip_address"] = ip,
                    ["ovn.kubernetes.io/logical_router"] = "ovn-cluster",
                    ["ovn.kubernetes.io/logical_switch"] = "ovn-default",
                    ["ovn.kubernetes.io/mac_address"] = string.Create(CultureInfo.InvariantCulture, $"00:00:00:{(index >> 16) & 0xff:x2}:{(index >> 8) & 0xff:x2}:{index & 0xff:x2}"),
                    ["ovn.kubernetes.io/pod_nic_type"] = "veth-pair",
                    ["ovn.kubernetes.io/routed"] = "true",
                },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "ReplicaSet",
                    ["name"] = "web-7d9f8c6b5",
                    ["uid"] = "6c1f8d2e-3b7a-4f0e-9a51-2d4c8e7b9f10",
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
                ["managedFields"] = new JsonArray(
                    ManagedFields("kube-controller-manager", "Update", SpecFields()),
                    ManagedFields("kube-ovn-controller", "Update", AnnotationFields()),
                    ManagedFields("kubelet", "Update", StatusFields(), "status")),
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["restartPolicy"] = "Always",
                ["serviceAccountName"] = "default",
                ["terminationGracePeriodSeconds"] = 30,
                ["dnsPolicy"] = "ClusterFirst",
                ["schedulerName"] = "default-scheduler",
                ["enableServiceLinks"] = true,
                ["preemptionPolicy"] = "PreemptLowerPriority",
                ["priority"] = 0,
                ["securityContext"] = new JsonObject(),
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "web",
                    ["image"] = "registry.example.com/team/web:1.27.3",
                    ["imagePullPolicy"] = "IfNotPresent",
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080, ["protocol"] = "TCP" }),
                    ["env"] = new JsonArray(
                        new JsonObject { ["name"] = "LOG_LEVEL", ["value"] = "info" },
                        new JsonObject { ["name"] = "POD_IP", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "status.podIP" } } }),
                    ["resources"] = new JsonObject
                    {
                        ["limits"] = new JsonObject { ["cpu"] = "500m", ["memory"] = "256Mi" },
                        ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
                    },
                    ["readinessProbe"] = new JsonObject
                    {
                        ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 8080, ["scheme"] = "HTTP" },
                        ["periodSeconds"] = 10,
                        ["timeoutSeconds"] = 1,
                        ["successThreshold"] = 1,
                        ["failureThreshold"] = 3,
                    },
                    ["volumeMounts"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "kube-api-access-abcde",
                        ["mountPath"] = "/var/run/secrets/kubernetes.io/serviceaccount",
                        ["readOnly"] = true,
                    }),
                    ["terminationMessagePath"] = "/dev/termination-log",
                    ["terminationMessagePolicy"] = "File",
                }),
                ["tolerations"] = new JsonArray(
                    new JsonObject { ["key"] = "node.kubernetes.io/not-ready", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 },
                    new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 }),
                ["volumes"] = new JsonArray(new JsonObject
                {
                    ["name"] = "kube-api-access-abcde",
                    ["projected"] = new JsonObject
                    {
                        ["defaultMode"] = 420,
                        ["sources"] = new JsonArray(
                            new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                            new JsonObject { ["configMap"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }) } }),
                    },
                }),
            },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["podIP"] = ip,
                ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip }),
                ["hostIP"] = "192.168.0.10",
                ["qosClass"] = "Burstable",
                ["startTime"] = "2026-11-22T01:00:00Z",
                ["conditions"] = new JsonArray(
                    Condition("Initialized"), Condition("Ready"), Condition("ContainersReady"), Condition("PodScheduled")),
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "web",
                    ["ready"] = true,
                    ["started"] = true,
                    ["restartCount"] = 0,
                    ["image"] = "registry.example.com/team/web:1.27.3",
                    ["imageID"] = "registry.example.com/team/web@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
                    ["containerID"] = "containerd://9b2c1e7f5a3d4c6b8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d",
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-11-22T01:00:05Z" } },
                }),
            },
        };
    }

    private static JsonObject Condition(string type) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = "2026-11-22T01:00:06Z",
    };

    private static JsonObject ManagedFields(string manager, string operation, JsonObject fields, string? subresource = null)
    {
        var entry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = operation,
            ["apiVersion"] = "v1",
            ["time"] = "2026-11-22T01:00:06Z",
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        };
        if (subresource is not null)
        {
            entry["subresource"] = subresource;
        }

        return entry;
    }

    private static JsonObject SpecFields() => new()
    {
        ["f:metadata"] = new JsonObject
        {
            ["f:generateName"] = new JsonObject(),
            ["f:labels"] = new JsonObject { ["."] = new JsonObject(), ["f:app"] = new JsonObject(), ["f:pod-template-hash"] = new JsonObject(), ["f:tier"] = new JsonObject() },
            ["f:ownerReferences"] = new JsonObject { ["."] = new JsonObject(), ["k:{\"uid\":\"6c1f8d2e-3b7a-4f0e-9a51-2d4c8e7b9f10\"}"] = new JsonObject() },
        },
        ["f:spec"] = new JsonObject
        {
            ["f:containers"] = new JsonObject
            {
                ["k:{\"name\":\"web\"}"] = new JsonObject
                {
                    ["."] = new JsonObject(),
                    ["f:env"] = new JsonObject { ["."] = new JsonObject(), ["k:{\"name\":\"LOG_LEVEL\"}"] = new JsonObject(), ["k:{\"name\":\"POD_IP\"}"] = new JsonObject() },
                    ["f:image"] = new JsonObject(),
                    ["f:imagePullPolicy"] = new JsonObject(),
                    ["f:name"] = new JsonObject(),
                    ["f:ports"] = new JsonObject { ["."] = new JsonObject(), ["k:{\"containerPort\":8080,\"protocol\":\"TCP\"}"] = new JsonObject() },
                    ["f:readinessProbe"] = new JsonObject { ["."] = new JsonObject(), ["f:httpGet"] = new JsonObject(), ["f:periodSeconds"] = new JsonObject() },
                    ["f:resources"] = new JsonObject { ["."] = new JsonObject(), ["f:limits"] = new JsonObject(), ["f:requests"] = new JsonObject() },
                    ["f:terminationMessagePath"] = new JsonObject(),
                    ["f:terminationMessagePolicy"] = new JsonObject(),
                },
            },
            ["f:dnsPolicy"] = new JsonObject(),
            ["f:enableServiceLinks"] = new JsonObject(),
            ["f:restartPolicy"] = new JsonObject(),
            ["f:schedulerName"] = new JsonObject(),
            ["f:securityContext"] = new JsonObject(),
            ["f:terminationGracePeriodSeconds"] = new JsonObject(),
        },
    };

    private static JsonObject AnnotationFields() => new()
    {
        ["f:metadata"] = new JsonObject
        {
            ["f:annotations"] = new JsonObject
            {
                ["."] = new JsonObject(),
                ["f:ovn.kubernetes.io/allocated"] = new JsonObject(),
                ["f:ovn.kubernetes.io/cidr"] = new JsonObject(),
                ["f:ovn.kubernetes.io/gateway"] = new JsonObject(),
                ["f:ovn.kubernetes.io/ip_address"] = new JsonObject(),
                ["f:ovn.kubernetes.io/logical_router"] = new JsonObject(),
                ["f:ovn.kubernetes.io/logical_switch"] = new JsonObject(),
                ["f:ovn.kubernetes.io/mac_address"] = new JsonObject(),
                ["f:ovn.kubernetes.io/pod_nic_type"] = new JsonObject(),
                ["f:ovn.kubernetes.io/routed"] = new JsonObject(),
            },
        },
    };

    private static JsonObject StatusFields() => new()
    {
        ["f:status"] = new JsonObject
        {
            ["f:conditions"] = new JsonObject
            {
                ["k:{\"type\":\"ContainersReady\"}"] = new JsonObject { ["."] = new JsonObject(), ["f:lastProbeTime"] = new JsonObject(), ["f:lastTransitionTime"] = new JsonObject(), ["f:status"] = new JsonObject(), ["f:type"] = new JsonObject() },
                ["k:{\"type\":\"Initialized\"}"] = new JsonObject { ["."] = new JsonObject(), ["f:lastProbeTime"] = new JsonObject(), ["f:lastTransitionTime"] = new JsonObject(), ["f:status"] = new JsonObject(), ["f:type"] = new JsonObject() },
                ["k:{\"type\":\"Ready\"}"] = new JsonObject { ["."] = new JsonObject(), ["f:lastProbeTime"] = new JsonObject(), ["f:lastTransitionTime"] = new JsonObject(), ["f:status"] = new JsonObject(), ["f:type"] = new JsonObject() },
            },
            ["f:containerStatuses"] = new JsonObject(),
            ["f:hostIP"] = new JsonObject(),
            ["f:phase"] = new JsonObject(),
            ["f:podIP"] = new JsonObject(),
            ["f:podIPs"] = new JsonObject { ["."] = new JsonObject(), ["k:{\"ip\":\"10.16.0.2\"}"] = new JsonObject { ["."] = new JsonObject(), ["f:ip"] = new JsonObject() } },
            ["f:startTime"] = new JsonObject(),
        },
    };
}
