using System.Runtime.InteropServices;

namespace Backprop.Cli.Commands;

/// <summary>
/// Turns the first Ctrl+C (SIGINT) or SIGTERM into a cancellation the fit loop sees after its current step, so the run
/// can save and say how to resume; a second signal ends the process at once, as a user pressing Ctrl+C again expects.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _error;

    public Interruption(TextWriter error)
    {
        _error = error;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _source.Token;

    public bool Requested => _source.IsCancellationRequested;

    private void Handle(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return; // the default action: the process ends now
        context.Cancel = true;
        _source.Cancel();
        _error.WriteLine();
        _error.WriteLine("backprop: stopping after this step (press Ctrl+C again to quit at once)");
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
