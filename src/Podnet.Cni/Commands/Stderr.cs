using System.Text;

namespace Podnet.Cni.Commands;

/// <summary>
/// stderr, opened on first use: touching <see cref="Console.Error"/> costs a CNI call start-up work
/// (console setup) that a call which never logs does not need.
/// </summary>
public sealed class Stderr : TextWriter
{
    public static readonly Stderr Instance = new();
    private TextWriter? _w;

    public override Encoding Encoding => Encoding.UTF8;
    private TextWriter W => _w ??= new StreamWriter(new Podnet.Linux.Interop.FdStream(2), new UTF8Encoding(false)) { AutoFlush = true };
    public override void Write(char value) => W.Write(value);
    public override void Write(string? value) => W.Write(value);
    public override void WriteLine(string? value) => W.WriteLine(value);
    public override void Flush() => _w?.Flush();
}
