namespace VmNet.KubeVirt.Migration;

/// <summary>KubeVirt VirtualMachineInstanceMigration phases (kubevirt.io/v1).</summary>
public static class MigrationPhases
{
    public const string Pending = "Pending";
    public const string Scheduling = "Scheduling";
    public const string Scheduled = "Scheduled";
    public const string PreparingTarget = "PreparingTarget";
    public const string TargetReady = "TargetReady";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    /// <summary>Phases in which the target pod exists or is being created: both chassis must be requested.</summary>
    public static bool IsInFlight(string? phase) =>
        phase is Scheduling or Scheduled or PreparingTarget or TargetReady or Running;

    public static bool IsFinal(string? phase) => phase is Succeeded or Failed;
}
