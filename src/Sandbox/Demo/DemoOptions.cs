namespace VmNet.Sandbox.Demo;

/// <summary>How the demo runs: the whole lifecycle (demo) or up to the pinging VMs, then wait (serve), and which guests.</summary>
public sealed record DemoOptions
{
    /// <summary>`make sandbox`: stop after the VMs ping each other and keep everything up until cancelled.</summary>
    public bool KeepRunning { get; init; }

    /// <summary>"auto", "qemu" or "netns" (<see cref="GuestSelection.ParseRequest"/>).</summary>
    public string Guests { get; init; } = "auto";

    /// <summary>Parses `demo|serve [--guests=auto|qemu|netns]`; <see cref="GuestSelection.EnvironmentVariable"/> is the default.</summary>
    public static DemoOptions Parse(string command, IEnumerable<string> arguments) =>
        Parse(command, arguments, Environment.GetEnvironmentVariable(GuestSelection.EnvironmentVariable));

    /// <summary>Parses `demo|serve [--guests=...]` with <paramref name="environmentGuests"/> as the default guests.</summary>
    public static DemoOptions Parse(string command, IEnumerable<string> arguments, string? environmentGuests)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var guests = environmentGuests;
        foreach (var argument in arguments)
        {
            guests = argument.StartsWith("--guests=", StringComparison.Ordinal)
                ? argument["--guests=".Length..]
                : throw new ArgumentException($"unknown argument '{argument}' (expected --guests=auto|qemu|netns)", nameof(arguments));
        }

        return new DemoOptions { KeepRunning = command == "serve", Guests = GuestSelection.ParseRequest(guests) };
    }
}
