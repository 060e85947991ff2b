using Podnet.Linux.Interop;

namespace Podnet.Linux;

/// <summary>kill(2): one system call, no kill(1) process per signal.</summary>
public static class Signals
{
    public const int SIGKILL = 9, SIGTERM = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process does not exist (or may not be signalled).</summary>
    public static bool Send(int pid, int signal) => pid > 0 && Libc.Kill(pid, signal) == 0;
}
