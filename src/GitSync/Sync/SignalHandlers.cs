using System.Runtime.InteropServices;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// What POSIX signals do to the loop: SIGTERM and SIGINT stop it (the sync in progress is
/// cancelled; the link stays on a complete tree), and the <c>--sync-on-signal</c> signal fires
/// the <see cref="SyncTrigger"/>. Disposing unregisters every handler.
/// </summary>
internal sealed class SignalHandlers : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    private SignalHandlers()
    {
    }

    /// <param name="syncSignal">The signal number that starts a sync at once, if any.</param>
    public static SignalHandlers Register(int? syncSignal, CancellationTokenSource stop, SyncTrigger trigger, Log log)
    {
        var handlers = new SignalHandlers();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            log.Info(0, "caught signal, stopping", ("signal", context.Signal.ToString()));
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        handlers._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop));
        handlers._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop));
        if (syncSignal is int signum)
        {
            if (Native.UnignoreSignal(signum))
            {
                log.Info(1, "signal was inherited as ignored, listening to it anyway", ("signal", signum));
            }
            handlers._registrations.Add(PosixSignalRegistration.Create(ToPosixSignal(signum), context =>
            {
                context.Cancel = true;
                log.Info(1, "caught signal, syncing", ("signal", signum));
                trigger.Fire();
            }));
        }
        return handlers;
    }

    /// <summary>PosixSignal's named values are negative abstractions; raw numbers are the real signal.</summary>
    private static PosixSignal ToPosixSignal(int signum) => signum switch
    {
        1 => PosixSignal.SIGHUP,
        2 => PosixSignal.SIGINT,
        3 => PosixSignal.SIGQUIT,
        15 => PosixSignal.SIGTERM,
        _ => (PosixSignal)signum,
    };

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
