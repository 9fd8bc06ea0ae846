namespace VmNet.Sandbox.Rig;

/// <summary>Outcome of one external command: exit code and everything it printed.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;
}
