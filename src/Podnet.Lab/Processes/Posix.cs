using System.Diagnostics;

namespace Podnet.Lab.Processes;

/// <summary>Signals without P/Invoke (all P/Invoke lives in Podnet.Linux/Interop): .NET's
/// Process.Kill sends SIGKILL; SIGTERM goes through kill(1).</summary>
internal static class Posix
{
    public const int SIGKILL = 9, SIGTERM = 15;

    public static bool Kill(int pid, int signal)
    {
        try
        {
            if (signal == SIGKILL)
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
                return true;
            }
            using var k = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString()]) { UseShellExecute = false })!;
            k.WaitForExit();
            return k.ExitCode == 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { return false; }
    }
}
