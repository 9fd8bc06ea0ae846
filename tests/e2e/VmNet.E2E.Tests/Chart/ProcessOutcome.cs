namespace VmNet.E2E.Chart;

/// <summary>How a helper process (helm, sh) ended.</summary>
public sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}
