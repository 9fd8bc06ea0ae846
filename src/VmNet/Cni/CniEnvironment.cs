namespace VmNet.Cni;

/// <summary>The CNI_* environment variables of one invocation, unvalidated.</summary>
public sealed record CniEnvironment(
    string? Command,
    string? ContainerId,
    string? NetNs,
    string? IfName,
    string? Args,
    string? Path)
{
    public static CniEnvironment From(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        return new CniEnvironment(
            lookup("CNI_COMMAND"),
            lookup("CNI_CONTAINERID"),
            lookup("CNI_NETNS"),
            lookup("CNI_IFNAME"),
            lookup("CNI_ARGS"),
            lookup("CNI_PATH"));
    }

    /// <summary>Parses CNI_COMMAND; missing or unknown is CNI code 4 naming the value.</summary>
    public CniCommand ParseCommand() => Command switch
    {
        "ADD" => CniCommand.Add,
        "DEL" => CniCommand.Del,
        "CHECK" => CniCommand.Check,
        "STATUS" => CniCommand.Status,
        "GC" => CniCommand.Gc,
        "VERSION" => CniCommand.Version,
        null or "" => throw new CniException(
            CniErrorCodes.InvalidEnvironmentVariables,
            "required environment variable CNI_COMMAND is missing (expected ADD, DEL, CHECK, STATUS, GC or VERSION)"),
        _ => throw new CniException(
            CniErrorCodes.InvalidEnvironmentVariables,
            $"CNI_COMMAND \"{Command}\" is not one of ADD, DEL, CHECK, STATUS, GC, VERSION"),
    };

    /// <summary>Checks the variables the spec requires for <paramref name="command"/> (code 4 listing all missing ones).</summary>
    public void Validate(CniCommand command)
    {
        var missing = new List<string>();
        var needsAttachment = command is CniCommand.Add or CniCommand.Del or CniCommand.Check;
        if (needsAttachment && string.IsNullOrEmpty(ContainerId))
        {
            missing.Add("CNI_CONTAINERID");
        }

        // DEL may come after the netns is gone; the spec makes CNI_NETNS optional there.
        if (command is CniCommand.Add or CniCommand.Check && string.IsNullOrEmpty(NetNs))
        {
            missing.Add("CNI_NETNS");
        }

        if (needsAttachment && string.IsNullOrEmpty(IfName))
        {
            missing.Add("CNI_IFNAME");
        }

        if (missing.Count > 0)
        {
            throw new CniException(
                CniErrorCodes.InvalidEnvironmentVariables,
                $"required environment variable{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} missing for {Command}");
        }

        if (needsAttachment)
        {
            ValidateContainerId(ContainerId!);
            ValidateIfName(IfName!);
        }
    }

    // Spec: "Must have at least one character; only alphanumeric, underscore, period and hyphen",
    // starting with an alphanumeric (libcni's ValidateContainerID).
    private static void ValidateContainerId(string id)
    {
        var valid = char.IsAsciiLetterOrDigit(id[0]);
        foreach (var c in id)
        {
            valid &= char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
        }

        if (!valid)
        {
            throw new CniException(
                CniErrorCodes.InvalidEnvironmentVariables,
                $"CNI_CONTAINERID \"{id}\" is not a valid container ID (letters, digits, '_', '.', '-', starting with a letter or digit)");
        }
    }

    // Same rules as libcni's ValidateInterfaceName: the kernel's IFNAMSIZ and name syntax.
    private static void ValidateIfName(string name)
    {
        if (name.Length > 15)
        {
            throw new CniException(CniErrorCodes.InvalidEnvironmentVariables, $"CNI_IFNAME \"{name}\" is longer than 15 characters");
        }

        if (name is "." or ".." || name.AsSpan().IndexOfAny("/: \t\n\r") >= 0)
        {
            throw new CniException(CniErrorCodes.InvalidEnvironmentVariables, $"CNI_IFNAME \"{name}\" is not a valid interface name");
        }
    }
}
