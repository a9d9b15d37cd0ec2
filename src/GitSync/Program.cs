using System.Reflection;
using GitSync.Auth;
using GitSync.Cli;
using GitSync.Git;
using GitSync.Hooks;
using GitSync.Http;
using GitSync.Logging;
using GitSync.Metrics;
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
                ReleaseListing? releases = null;
                if (request.Options!.Sync.RefSemver is not null)
                {
                    using var listTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    releases = await ReleaseCheck.ProbeAsync(request.Options, listTimeout.Token).ConfigureAwait(false);
                }
                Console.Out.WriteLine(EffectiveConfiguration.Render(request.Options!, releases));
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
            StatusFiles.WriteConfigError(options.Loop.ErrorFile, "ERROR: " + e.Message);
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last line of defence: a bug must still end as one log line and exit 1, never a
            // stack trace on stderr.
            log.Error($"{e.GetType().Name}: {e.Message}", "unexpected error, exiting");
            StatusFiles.WriteConfigError(options.Loop.ErrorFile, "ERROR: " + e.Message);
            return 1;
        }
    }

    private static async Task<int> RunAsync(GitSyncOptions options, Log log)
    {
        log.Redactor.AddSecret(options.Auth.Password);
        log.Info(0, "starting up", ("version", VersionText()), ("pid", Environment.ProcessId), ("uid", (long)Native.GetUid()),
            ("repo", options.Sync.Repo), ("ref", options.Sync.Ref), ("refSemver", options.Sync.RefSemver?.Text), ("root", options.Sync.Root), ("link", options.Sync.Link));

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
        using var signals = SignalHandlers.Register(options.Loop.SyncSignal, stopSource, trigger, log);

        var metrics = options.Http.Metrics ? new SyncMetrics() : null;
        using var gitEnv = GitEnvironment.Create(options.Sync.Root);
        LogPrivateDirectory(gitEnv, options, log);
        await using var credentials = new CredentialSetup(options.Auth, options.Sync.Repo, options.Loop.SyncTimeout, options.Loop.LongestWait, log, metrics, gitEnv.Directory);
        // From here on git gets --repo without an embedded password (that went to the credential cache).
        options = options with { Sync = options.Sync with { Repo = credentials.Repo } };
        credentials.ConfigureEnvironment(gitEnv.Variables);
        var git = new GitCli(options.Git.Path, gitEnv.Variables, log);
        var version = await git.RunAsync(null, ["version"], stopSource.Token, check: false).ConfigureAwait(false);
        if (version.ExitCode != 0)
        {
            throw new ConfigException($"can't run git (--git={options.Git.Path}): {version.Stderr.Trim()}");
        }
        log.Info(1, "git version", ("version", version.Stdout.Trim()));
        await gitEnv.WriteConfigAsync(git, options.Git.Config, credentials.GitConfig(), stopSource.Token).ConfigureAwait(false);

        Filesystem.CreateDirectory(options.Sync.Root, "the --root directory");
        var status = new SyncStatus();
        metrics?.Observe(status.Gauges);
        var releases = options.Sync.RefSemver is not { } range ? null
            : new ReleaseFollower(range, options.Sync.Repo, options.Sync.Root, git, options.Signatures.Mode == Trust.SignatureMode.Tag, log)
            {
                Metrics = metrics is null ? null : new ReleaseMetrics(metrics),
            };
        var push = options.Http.PushTrigger is null ? null
            : new PushTrigger(options.Http.PushTrigger, options.Sync.Ref, trigger, status, metrics, log) { Releases = options.Sync.RefSemver };
        var pushMode = options.Http.PushTrigger is null ? "off" : options.Http.PushTrigger.SecretFile is null ? "unauthenticated" : "authenticated";
        await using var endpoint = options.Http.Bind is null ? null
            : new HttpEndpoint(Bind.Parse(options.Http.Bind)!, options.Http.Limits, status, metrics, options.Http.Pprof, log,
                new StatusPage(status, options.Sync.Repo, options.Sync.Ref, options.Sync.Link, pushMode, log.Redactor) { Releases = releases }, push,
                new Freshness(status, options.Http.MaxStaleness, options.Loop, TimeProvider.System));
        if (endpoint is not null)
        {
            await endpoint.StartAsync(stopSource.Token).ConfigureAwait(false);
            log.Info(0, "serving HTTP", ("endpoint", options.Http.Bind));
        }

        var hookEnv = gitEnv.Variables;
        var prePublish = options.Hooks.PrePublishHook is null ? null : new ExecHook("pre-publish-exechook", options.Hooks.PrePublishHook, hookEnv, log);
        // Only a webhook needs an HTTP client: without one its code pages are never touched.
        using var http = options.Hooks.Webhook is null ? null
            : OutboundHttp.Create();
        var runners = new List<HookRunner>();
        if (options.Hooks.ExecHook is not null)
        {
            runners.Add(new HookRunner(new ExecHook("exechook", options.Hooks.ExecHook, hookEnv, log), options.Hooks.ExecHook.Backoff, options.Loop.OneTime, metrics, log));
        }
        if (options.Hooks.Webhook is not null)
        {
            runners.Add(new HookRunner(new WebHook(options.Hooks.Webhook, http!, log), options.Hooks.Webhook.Backoff, options.Loop.OneTime, metrics, log));
        }
        using var hookStop = new CancellationTokenSource();
        var hookTasks = runners.Select(r => Task.Run(() => r.RunAsync(hookStop.Token))).ToList();

        using var signatures = options.Signatures.Mode == Trust.SignatureMode.None ? null
            : new Trust.SignatureGate(options.Signatures, options.Sync.Root, options.Sync.Ref, options.Git.Path, gitEnv.Variables, gitEnv.Directory, log, metrics);
        if (signatures is not null)
        {
            await signatures.LoadAsync(stopSource.Token).ConfigureAwait(false);
        }
        var engine = new SyncEngine(options.Sync, git, log, prePublish, signatures, releases);
        var loop = new SyncLoop(options.Sync, options.Loop, options.Hooks.PrePublishHook?.Backoff ?? TimeSpan.Zero, engine, git, trigger, status, metrics, new StatusFiles(options.Loop, log), log)
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

    private static void LogPrivateDirectory(GitEnvironment gitEnv, GitSyncOptions options, Log log)
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
            case PasswdSource.Missing when Auth.RepoUrl.IsSsh(options.Sync.Repo) || options.Signatures.SshAllowedSignersFile is not null:
                log.Error($"uid {Native.GetUid()} has no passwd entry and libnss_wrapper.so is not installed: ssh and ssh-keygen will refuse to run",
                    "install libnss-wrapper or use --add-user");
                break;
        }
    }

    private static string VersionText()
    {
        var info = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return info;
    }
}
