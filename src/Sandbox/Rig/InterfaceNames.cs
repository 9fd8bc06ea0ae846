namespace VmNet.Sandbox.Rig;

/// <summary>Linux limits interface names to 15 bytes (IFNAMSIZ - 1); we keep netns names within the same limit for symmetry.</summary>
public static class InterfaceNames
{
    public const int MaxLength = 15;

    public static string Validate(string name, string field)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException($"{field} '{name}' must be 1-{MaxLength} characters of [A-Za-z0-9._-]", field);
        }

        return name;
    }
}
