namespace Podnet.Cli.Output;

/// <summary>kubectl's human durations for the AGE column: exact seconds up to 2 minutes, then
/// progressively coarser ("3m12s", "25m", "5h3m", "2d4h", "400d", "2y30d").</summary>
public static class Age
{
    public static string Since(DateTimeOffset? then, DateTimeOffset now) =>
        then is { } t ? Format(now - t) : "<unknown>";

    public static string Format(TimeSpan d)
    {
        long seconds = (long)Math.Floor(d.TotalSeconds);
        // A clock skew of a second still reads as "just now".
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 120) return $"{seconds}s";
        long minutes = seconds / 60;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 180) return $"{minutes}m";
        long hours = minutes / 60;
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        long days = hours / 24;
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{days}d";
        long years = days / 365;
        if (hours < 24 * 365 * 8) return days % 365 == 0 ? $"{years}y" : $"{years}y{days % 365}d";
        return $"{years}y";
    }
}
