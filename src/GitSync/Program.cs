using System.Reflection;
using System.Runtime.InteropServices;
using GitSync.Auth;
using GitSync.Cli;
using GitSync.Git;
using GitSync.Hooks;
using GitSync.Http;
using GitSync.Logging;
using GitSync.Platform;
using GitSync.Sync;

namespace GitSync;

/// <summary>Composes the parts; all behaviour lives in them.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CliRequest request;
        try
        {
            request = OptionsBuilder.Build(args, Environment.GetEnvironmentVariable);
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync("ERROR: " + e.Message + " (see git-sync --help)").ConfigureAwait(false);
            StatusFiles.WriteConfigError(OptionsBuilder.ErrorFileFor(args, Environment.GetEnvironmentVariable), "ERROR: " + e.Message);
            return 1;
        }

        switch (request.Action)
        {
            case CliAction.Help:
                Console.Out.Write(Manual.Usage());
                return 0;
            case CliAction.Man:
                Console.Out.Write(Manual.Full());
                return 0;
            case CliAction.Version:
                Console.Out.WriteLine(VersionText());
                return 0;
            case CliAction.Check:
                foreach (var warning in request.Warnings.Concat(RestrictedProfile.Warnings(request.Options!)))
                {
                    await Console.Error.WriteLineAsync("WARNING: " + warning).ConfigureAwait(false);
                }
                Console.Out.WriteLine(EffectiveConfiguration.Render(request.Options!));
                return 0;
        }

        var options = request.Options!;
        var log = new Log(options.Verbosity);
        foreach (var warning in request.Warnings)
        {
            log.Error(warning, "deprecated or overridden configuration");
        }
        try
        {
            return await RunAsync(options, log).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException or GitException or InvalidOperationException)
        {
            log.Error(e.Message, "fatal error");
            StatusFiles.WriteConfigError(options.ErrorFile, "ERROR: " + e.Message);
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last line of defence: a bug must still end as one log line and exit 1, never a
            // stack trace on stderr.
            log.Error($"{e.GetType().Name}: {e.Message}", "unexpected error, exiting");
            StatusFiles.WriteConfigError(options.ErrorFile, "ERROR: " + e.Message);
            return 1;
        }
    }

    private static async Task<int> RunAsync(SyncOptions options, Log log)
    {
        log.Redactor.AddSecret(options.Auth.Password);
        log.Info(0, "starting up", ("version", VersionText()), ("pid", Environment.ProcessId), ("uid", (long)Native.GetUid()),
            ("repo", options.Repo), ("ref", options.Ref), ("root", options.Root), ("link", options.Link));

        // --group-write: files git creates are group-writable, for consumers in the same fsGroup.
        Native.Umask(options.GroupWrite ? 0x02u : 0x12u);
        if (options.AddUser)
        {
            try
            {
                if (Users.EnsurePasswdEntry() is { } entry)
                {
                    log.Info(1, "added /etc/passwd entry", ("entry", entry));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Error(e.Message, "can't add user to /etc/passwd");
            }
        }

        using var stopSource = new CancellationTokenSource();
        var trigger = new SyncTrigger();
        using var signals = RegisterSignals(options, log, stopSource, trigger);

        var metrics = options.HttpMetrics ? new SyncMetrics() : null;
        using var gitEnv = GitEnvironment.Create(options.Root);
        LogPrivateDirectory(gitEnv, options, log);
        await using var credentials = new CredentialSetup(options, log, metrics, gitEnv.Directory);
        // From here on git gets --repo without an embedded password (that went to the credential cache).
        options = options with { Repo = credentials.Repo };
        credentials.ConfigureEnvironment(gitEnv.Variables);
        var git = new GitCli(options.GitPath, gitEnv.Variables, log);
        var version = await git.RunAsync(null, ["version"], stopSource.Token, check: false).ConfigureAwait(false);
        if (version.ExitCode != 0)
        {
            throw new ConfigException($"can't run git (--git={options.GitPath}): {version.Stderr.Trim()}");
        }
        log.Info(1, "git version", ("version", version.Stdout.Trim()));
        await gitEnv.WriteConfigAsync(git, options, credentials.GitConfig(), stopSource.Token).ConfigureAwait(false);

        Filesystem.CreateDirectory(options.Root, "the --root directory");
        var status = new SyncStatus();
        metrics?.Observe(status);
        // Only a fan-out needs an HTTP client and its background loop.
        await using var peers = options.PushTrigger is not { Peers.Count: > 0 } ? null
            : new PeerForwarder(options.PushTrigger.Peers, OwnEndpoints.From(Bind.Parse(options.HttpBind!)!), metrics, log);
        var push = options.PushTrigger is null ? null : new PushTrigger(options.PushTrigger, options.Ref, trigger, status, metrics, log, peers);
        var pushMode = options.PushTrigger is null ? "off" : options.PushTrigger.SecretFile is null ? "unauthenticated" : "authenticated";
        await using var endpoint = options.HttpBind is null ? null
            : new HttpEndpoint(Bind.Parse(options.HttpBind)!, options.HttpLimits, status, metrics, options.HttpPprof, log,
                new StatusPage(status, options.Repo, options.Ref, options.Link, pushMode, log.Redactor), push,
                new Trust.Freshness(status, options));
        if (endpoint is not null)
        {
            await endpoint.StartAsync(stopSource.Token).ConfigureAwait(false);
            log.Info(0, "serving HTTP", ("endpoint", options.HttpBind));
        }

        var hookEnv = gitEnv.Variables;
        var prePublish = options.PrePublishHook is null ? null : new ExecHook("pre-publish-exechook", options.PrePublishHook, hookEnv, log);
        // Only a webhook needs an HTTP client: without one its code pages are never touched.
        using var http = options.Webhook is null ? null
            : OutboundHttp.Create();
        var runners = new List<HookRunner>();
        if (options.ExecHook is not null)
        {
            runners.Add(new HookRunner(new ExecHook("exechook", options.ExecHook, hookEnv, log), options.ExecHook.Backoff, options.OneTime, metrics, log));
        }
        if (options.Webhook is not null)
        {
            runners.Add(new HookRunner(new WebHook(options.Webhook, http!, log), options.Webhook.Backoff, options.OneTime, metrics, log));
        }
        using var hookStop = new CancellationTokenSource();
        var hookTasks = runners.Select(r => Task.Run(() => r.RunAsync(hookStop.Token))).ToList();

        using var signatures = options.Signatures.Mode == Trust.SignatureMode.None ? null
            : new Trust.SignatureGate(options, gitEnv.Variables, gitEnv.Directory, log, metrics);
        if (signatures is not null)
        {
            await signatures.LoadAsync(stopSource.Token).ConfigureAwait(false);
        }
        var engine = new SyncEngine(options, git, log, prePublish, signatures);
        var loop = new SyncLoop(options, engine, git, trigger, status, metrics, new StatusFiles(options, log), log)
        {
            BeforeSync = (force, ct) => credentials.RefreshAsync(git, force, ct),
            Published = (worktree, hash, _) =>
            {
                foreach (var runner in runners)
                {
                    runner.Send(worktree, hash);
                }
                return Task.CompletedTask;
            },
            WaitForHooks = async ct =>
            {
                var ok = true;
                try
                {
                    foreach (var runner in runners)
                    {
                        ok &= await runner.FirstRun.WaitAsync(ct).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
                return ok;
            },
        };
        int code;
        try
        {
            code = await loop.RunAsync(stopSource.Token).ConfigureAwait(false);
        }
        finally
        {
            hookStop.Cancel();
            await Task.WhenAll(hookTasks).ConfigureAwait(false);
        }
        if (stopSource.IsCancellationRequested)
        {
            log.Info(0, "stopped by signal");
        }
        return code;
    }

    private static void LogPrivateDirectory(GitEnvironment gitEnv, SyncOptions options, Log log)
    {
        var dir = gitEnv.Private;
        log.Info(1, "private directory", ("path", dir.Path), ("placement", dir.Placement.ToString()));
        foreach (var reason in dir.Unusable)
        {
            log.Info(1, "not usable for the private directory", ("reason", reason));
        }
        if (dir.Placement == Placement.Root)
        {
            log.Info(0, "neither $TMPDIR nor /dev/shm is writable; the private directory is under --root", ("path", dir.Path));
        }
        if (dir.StaleRemoved > 0)
        {
            log.Info(1, "removed private directories of dead git-sync processes", ("count", dir.StaleRemoved));
        }
        switch (gitEnv.Passwd)
        {
            case PasswdSource.NssWrapper:
                log.Info(1, "no passwd entry for this uid; ssh gets one through nss_wrapper", ("uid", (long)Native.GetUid()));
                break;
            case PasswdSource.Missing when Auth.RepoUrl.IsSsh(options.Repo) || options.Signatures.SshAllowedSignersFile is not null:
                log.Error($"uid {Native.GetUid()} has no passwd entry and libnss_wrapper.so is not installed: ssh and ssh-keygen will refuse to run",
                    "install libnss-wrapper or use --add-user");
                break;
        }
    }

    private static Signals RegisterSignals(SyncOptions options, Log log, CancellationTokenSource stop, SyncTrigger trigger)
    {
        var registrations = new List<PosixSignalRegistration>();
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
        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop));
        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop));
        if (options.SyncSignal is int signum)
        {
            // PosixSignal's named values are negative abstractions; raw numbers are the real signal.
            var signal = signum switch
            {
                1 => PosixSignal.SIGHUP,
                2 => PosixSignal.SIGINT,
                3 => PosixSignal.SIGQUIT,
                15 => PosixSignal.SIGTERM,
                _ => (PosixSignal)signum,
            };
            if (Native.UnignoreSignal(signum))
            {
                log.Info(1, "signal was inherited as ignored, listening to it anyway", ("signal", signum));
            }
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                log.Info(1, "caught signal, syncing", ("signal", signum));
                trigger.Fire();
            }));
        }
        return new Signals(registrations);
    }

    private static string VersionText()
    {
        var info = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return info;
    }

    private sealed class Signals(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in registrations)
            {
                r.Dispose();
            }
        }
    }
}
