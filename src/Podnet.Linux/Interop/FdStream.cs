namespace Podnet.Linux.Interop;

/// <summary>
/// A stream over an inherited descriptor (stdin/stdout/stderr) with plain read(2)/write(2): no
/// offsets (unlike FileStream, which would pwrite at its own position into a redirected file) and no
/// console setup (unlike System.Console's streams, which start a signal thread and query the
/// terminal on first write). The descriptor is not closed.
/// </summary>
public sealed class FdStream(int fd) : Stream
{
    private readonly SafeFdHandle _fd = new(fd, ownsHandle: false);

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            int n = Libc.Read(_fd, buffer);
            if (n >= 0) return n;
            if (Errno.Last() != Errno.EINTR) throw new IOException($"read from fd {fd}: {Errno.Name(Errno.Last())}");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            int n = Libc.Write(_fd, buffer);
            if (n >= 0) { buffer = buffer[n..]; continue; }
            if (Errno.Last() != Errno.EINTR) throw new IOException($"write to fd {fd}: {Errno.Name(Errno.Last())}");
        }
    }

    public override void Flush() { }
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
