namespace VmNet.E2E.Daemon;

/// <summary>Bounded tokens so a hung step fails the test instead of hanging the run.</summary>
internal static class Timeouts
{
    public static CancellationToken Token(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
