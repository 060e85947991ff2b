namespace Podnet.Cni.Bridge;

/// <summary>
/// sysctls of the calling thread's network namespace (/proc/sys/net follows the caller's netns).
/// Writes are skipped when the value is already there, so concurrent ADDs do not contend.
/// </summary>
static class HostSysctl
{
    public static void Ensure(string key, string value)
    {
        string path = "/proc/sys/" + key.Replace('.', '/');
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() == value) return;
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Spec.CniException(Spec.CniErrorCode.KernelFailure, $"could not set sysctl {key}={value}", e.Message, e);
        }
    }

    public static void TryEnsure(string key, string value)
    {
        try { Ensure(key, value); } catch (Spec.CniException) { }
    }
}
