using System.Runtime.InteropServices;

namespace Podnet.Linux;

/// <summary>
/// A token that SIGTERM or SIGINT cancels (the signal is then handled, not fatal), so a daemon
/// stops through its normal cleanup: leases released, rules left in place, pid files removed.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _term, _intr;

    /// <param name="linked">Also stop when this token is cancelled (e.g. a test host's).</param>
    public StopSignals(CancellationToken linked = default)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        _intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
    }

    public CancellationToken Token => _stop.Token;
    public bool IsStopping => _stop.IsCancellationRequested;

    private void Handle(PosixSignalContext c)
    {
        c.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _term.Dispose();
        _intr.Dispose();
        _stop.Dispose();
    }
}
