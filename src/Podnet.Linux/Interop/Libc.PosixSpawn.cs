using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_init")]
    private static unsafe partial int FileActionsInit(void* actions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int FileActionsAddOpen(void* actions, int fd, string path, int flags, int mode);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_destroy")]
    private static unsafe partial int FileActionsDestroy(void* actions);

    [LibraryImport(Name, EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int PosixSpawnRaw(out int pid, string path, void* actions, void* attr, string?[] argv, string?[] envp);

    /// <summary>
    /// posix_spawn(3) (vfork-fast) with stdin/stdout/stderr on /dev/null; the child is not waited for.
    /// argv and envp must end with a null entry. Returns 0 or an errno.
    /// </summary>
    internal static unsafe int SpawnDetached(string path, string?[] argv, string?[] envp, out int pid)
    {
        // posix_spawn_file_actions_t is 80 bytes on glibc x86-64/arm64; 256 leaves room.
        void* actions = NativeMemory.AllocZeroed(256);
        try
        {
            int err = FileActionsInit(actions);
            if (err != 0) { pid = 0; return err; }
            try
            {
                if ((err = FileActionsAddOpen(actions, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
                    (err = FileActionsAddOpen(actions, 1, "/dev/null", O_WRONLY, 0)) != 0 ||
                    (err = FileActionsAddOpen(actions, 2, "/dev/null", O_WRONLY, 0)) != 0) { pid = 0; return err; }
                return PosixSpawnRaw(out pid, path, actions, null, argv, envp);
            }
            finally { FileActionsDestroy(actions); }
        }
        finally { NativeMemory.Free(actions); }
    }
}
