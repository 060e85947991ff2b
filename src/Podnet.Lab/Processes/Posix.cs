namespace Podnet.Lab.Processes;

/// <summary>The signals the lab sends its daemons (through <see cref="Podnet.Linux.Signals"/>).</summary>
internal static class Posix
{
    public const int SIGKILL = 9, SIGTERM = 15;

    public static bool Kill(int pid, int signal) => Podnet.Linux.Signals.Send(pid, signal);
}
