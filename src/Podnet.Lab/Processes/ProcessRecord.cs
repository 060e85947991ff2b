using Podnet.Linux;

namespace Podnet.Lab.Processes;

/// <summary>A process the lab started, identified by pid plus its start time (field 22 of
/// /proc/PID/stat), so that a recycled pid is never mistaken for ours and never killed.</summary>
public sealed record ProcessRecord(int Pid, ulong StartTime)
{
    /// <summary>The start time of <paramref name="pid"/>, or null when it does not exist.</summary>
    public static ulong? StartTimeOf(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
        int close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.Length < 20 || fields[0] == "Z") return null;
        return ulong.TryParse(fields[19], out var t) ? t : null;
    }

    /// <summary>Records a running pid (null if it already exited).</summary>
    public static ProcessRecord? Of(int pid) => StartTimeOf(pid) is { } t ? new ProcessRecord(pid, t) : null;

    /// <summary>True while this very process is alive (not a zombie, not a recycled pid).</summary>
    public bool IsAlive => StartTimeOf(Pid) == StartTime;

    /// <summary>SIGKILLs the process if it is still ours. Returns true when it was killed.</summary>
    public bool Kill()
    {
        if (!IsAlive) return false;
        return Signals.Send(Pid, Signals.SIGKILL);
    }

    public override string ToString() => $"{Pid} {StartTime}";

    public static ProcessRecord? Parse(string text)
    {
        var parts = text.Trim().Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], out int pid) && ulong.TryParse(parts[1], out var t)
            ? new ProcessRecord(pid, t) : null;
    }

    /// <summary>Writes the record atomically (temp file + rename).</summary>
    public void WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, ToString() + "\n");
        File.Move(tmp, path, overwrite: true);
    }

    public static ProcessRecord? ReadFrom(string path)
    {
        try { return Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
