using System.Text.Json.Nodes;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Events;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Serialization;
using VmNet.Kube.Models;

namespace VmNet.Controller.Subnets;

/// <summary>
/// Writes Subnet status: Kube-OVN's conditions (any error → Error=True with the stage as reason and
/// Ready=False; Validated=False only for validation failures) and the IPAM usage counts and ranges.
/// A write happens only when the status would change, so settled subnets cost no API calls.
/// </summary>
public sealed class SubnetStatusWriter(ControllerContext context)
{
    public const string ValidateFailed = "ValidateLogicalSwitchFailed";
    public const string ValidateSuccess = "ValidateLogicalSwitchSuccess";
    public const string ReadySuccess = "ResetLogicalSwitchAclSuccess";

    /// <summary>Validated, admitted and programmed: Validated=True, Ready=True, Error=False, usage counts.</summary>
    public Task WriteReadyAsync(V1Subnet subnet, CancellationToken cancellationToken) =>
        WriteAsync(subnet, status =>
        {
            var now = context.Time.GetUtcNow();
            var generation = subnet.Metadata?.Generation;
            status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Validated, true, ValidateSuccess, "", now, generation);
            status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Ready, true, ReadySuccess, "", now, generation);
            status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Error, false, ReadySuccess, "", now, generation);
            ApplyUsage(subnet.Metadata!.Name!, status);
        }, cancellationToken);

    /// <summary>
    /// Records a failure at <paramref name="reason"/> (the stage, e.g. <see cref="ValidateFailed"/>) and
    /// emits a Warning event with the same reason and message.
    /// </summary>
    public async Task WriteErrorAsync(V1Subnet subnet, string reason, string message, CancellationToken cancellationToken)
    {
        context.Events.Warning(subnet.ToObjectReference(), reason, message);
        await WriteAsync(subnet, status =>
        {
            var now = context.Time.GetUtcNow();
            var generation = subnet.Metadata?.Generation;
            if (reason == ValidateFailed)
            {
                status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Validated, false, reason, message, now, generation);
            }

            status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Ready, false, reason, message, now, generation);
            status.Conditions = KubeOvnConditions.Set(status.Conditions, KubeOvnConditions.Error, true, reason, message, now, generation);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rewrites only the usage counts and ranges (after allocations changed).</summary>
    public Task WriteUsageAsync(V1Subnet subnet, CancellationToken cancellationToken) =>
        WriteAsync(subnet, status => ApplyUsage(subnet.Metadata!.Name!, status), cancellationToken);

    private void ApplyUsage(string name, V1SubnetStatus status)
    {
        var ipam = context.Ipam.FindSubnet(name);
        var v4 = ipam?.Usage(IpFamily.V4);
        var v6 = ipam?.Usage(IpFamily.V6);
        status.V4availableIPs = (decimal)(v4?.Available ?? 0);
        status.V4usingIPs = (decimal)(v4?.Using ?? 0);
        status.V4availableIPrange = v4?.AvailableRange ?? "";
        status.V4usingIPrange = v4?.UsingRange ?? "";
        status.V6availableIPs = (decimal)(v6?.Available ?? 0);
        status.V6usingIPs = (decimal)(v6?.Using ?? 0);
        status.V6availableIPrange = v6?.AvailableRange ?? "";
        status.V6usingIPrange = v6?.UsingRange ?? "";
    }

    private async Task WriteAsync(V1Subnet subnet, Action<V1SubnetStatus> change, CancellationToken cancellationToken)
    {
        var before = KubeJson.Serialize(subnet.Status ?? new V1SubnetStatus());
        var status = KubeJson.Deserialize<V1SubnetStatus>(before) ?? new V1SubnetStatus();
        change(status);
        var after = KubeJson.Serialize(status);
        if (after == before)
        {
            return;
        }

        var patch = new JsonObject { ["status"] = JsonNode.Parse(after) };
        try
        {
            await context.Kube.PatchStatusAsync<V1Subnet>(null, subnet.Metadata!.Name!, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeNotFoundException)
        {
            // Deleted meanwhile: nothing left to describe.
        }
    }
}
