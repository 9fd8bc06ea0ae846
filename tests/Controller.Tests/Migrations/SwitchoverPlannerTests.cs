using VmNet.KubeVirt.Migration;

namespace VmNet.Controller.Tests.Migrations;

public sealed class SwitchoverPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MigrationObservation Observe(string? phase, VmiMigrationState? state = null, string? targetPod = "node-2", bool twoChassis = false, bool vmi = true, DateTimeOffset? since = null, TimeSpan? elapsed = null, string[]? launchers = null) => new()
    {
        Migration = phase is null ? null : new MigrationView("m1", "uid-1", phase),
        VmiExists = vmi,
        VmiNodeName = "node-1",
        VmiState = state,
        TargetPodNode = targetPod,
        PortsBoundToTwoChassis = twoChassis,
        TargetRunningSince = since,
        LauncherNodes = new HashSet<string>(launchers ?? ["node-1", "node-2"], StringComparer.Ordinal),
        Now = T0 + (elapsed ?? TimeSpan.Zero),
        ActivationGrace = TimeSpan.FromSeconds(2),
    };

    private static VmiMigrationState State(string uid = "uid-1", bool completed = false, bool failed = false, string? abort = null) =>
        new(uid, "node-1", "node-2", completed, failed, abort, null);

    [Theory]
    [InlineData(MigrationPhases.Scheduling)]
    [InlineData(MigrationPhases.Scheduled)]
    [InlineData(MigrationPhases.PreparingTarget)]
    [InlineData(MigrationPhases.TargetReady)]
    [InlineData(MigrationPhases.Running)]
    public void InFlightPhasesBindSourceAndTarget(string phase) =>
        Assert.Equal(new SwitchoverAction.BindBoth("node-1", "node-2", null), SwitchoverPlanner.Decide(Observe(phase)));

    [Fact]
    public void SchedulingWithoutTargetPodWaitsAndRetries()
    {
        var action = Assert.IsType<SwitchoverAction.Wait>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Scheduling, targetPod: null)));
        Assert.Equal(SwitchoverPlanner.TargetUnknownRetry, action.RetryAfter);
    }

    [Fact]
    public void PendingDoesNothing() =>
        Assert.IsType<SwitchoverAction.Wait>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Pending)));

    [Fact]
    public void SucceededMovesToTarget() =>
        Assert.Equal("node-2", Assert.IsType<SwitchoverAction.Complete>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Succeeded, State(completed: true)))).Target);

    [Fact]
    public void SucceededOfAnOldMigrationIsIgnored() =>
        Assert.IsType<SwitchoverAction.Ignore>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Succeeded, State(uid: "older", completed: true))));

    [Fact]
    public void FailedPinsBackToSource() =>
        Assert.Equal("node-1", Assert.IsType<SwitchoverAction.RollBack>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Failed, State(failed: true)))).Source);

    [Fact]
    public void FailedBeforeTheVmiSawItPinsToVmiNode() =>
        Assert.Equal("node-1", Assert.IsType<SwitchoverAction.RollBack>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Failed, twoChassis: true))).Source);

    [Fact]
    public void FailedBeforeAnyBindingLeavesPortsAlone() =>
        Assert.IsType<SwitchoverAction.Ignore>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Failed)));

    [Fact]
    public void AbortStatusSucceededWhileRunningRollsBack() =>
        Assert.IsType<SwitchoverAction.RollBack>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Running, State(abort: "Succeeded"))));

    [Fact]
    public void DeletedVmimWithTwoChassisRollsBack() =>
        Assert.Equal("node-1", Assert.IsType<SwitchoverAction.RollBack>(SwitchoverPlanner.Decide(Observe(null, State(), twoChassis: true))).Source);

    [Fact]
    public void DeletedVmimAfterCompletionCompletes() =>
        Assert.Equal("node-2", Assert.IsType<SwitchoverAction.Complete>(SwitchoverPlanner.Decide(Observe(null, State(completed: true), twoChassis: true))).Target);

    [Fact]
    public void NoMigrationAndSingleChassisIsIgnored() =>
        Assert.IsType<SwitchoverAction.Ignore>(SwitchoverPlanner.Decide(Observe(null, State(completed: true))));

    [Fact]
    public void TargetRunningWithinGraceKeepsBothAndRechecks()
    {
        var action = Assert.IsType<SwitchoverAction.BindBoth>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Running, State(completed: true), since: T0, elapsed: TimeSpan.FromMilliseconds(500))));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), action.RecheckAfter);
    }

    [Fact]
    public void TargetRunningPastGraceCompletesWithoutSucceeded() =>
        Assert.Equal("node-2", Assert.IsType<SwitchoverAction.Complete>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Running, State(completed: true), since: T0, elapsed: TimeSpan.FromSeconds(2)))).Target);

    [Fact]
    public void VmimForMissingVmiIsRejected() =>
        Assert.Contains("spec.vmiName", Assert.IsType<SwitchoverAction.Reject>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Scheduling, vmi: false))).Reason);

    [Fact]
    public void SameNodeIsIgnored() =>
        Assert.IsType<SwitchoverAction.Ignore>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Scheduling, targetPod: "node-1")));

    [Fact]
    public void CompletedWithTheSourceLauncherGoneCompletesWithoutWaitingForTheGrace()
    {
        var action = SwitchoverPlanner.Decide(Observe(MigrationPhases.Running, State(completed: true), since: T0, launchers: ["node-2"]));
        Assert.Equal("node-2", Assert.IsType<SwitchoverAction.Complete>(action).Target);
    }

    [Fact]
    public void CompletedWithTheSourceLauncherStillThereWaitsForTheGrace() =>
        Assert.IsType<SwitchoverAction.BindBoth>(SwitchoverPlanner.Decide(Observe(MigrationPhases.Running, State(completed: true), since: T0, launchers: ["node-1", "node-2"])));

    [Fact]
    public void SourceLauncherGoneBeforeCompletionKeepsBothChassis() =>
        Assert.Equal(new SwitchoverAction.BindBoth("node-1", "node-2", null), SwitchoverPlanner.Decide(Observe(MigrationPhases.Running, State(), launchers: ["node-2"])));
}
