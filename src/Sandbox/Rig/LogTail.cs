namespace VmNet.Sandbox.Rig;

/// <summary>The last lines of a daemon log, for error messages that explain why a wait failed.</summary>
public static class LogTail
{
    public static string Read(string path, int lines = 15)
    {
        try
        {
            var all = File.ReadAllLines(path);
            return all.Length == 0 ? $"({path} is empty)" : $"[{path}]\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return $"({path} not readable)";
        }
    }
}
