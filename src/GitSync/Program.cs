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
            request = OptionsBuilder.Build(args, Environment.GetEnvironmentVariable, Environment.GetEnvironmentVariables().Keys.OfType<string>());
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
                return request.Probe ? await ProbeAsync(request.Options!).ConfigureAwait(false) : 0;
        }

        var options = request.Options!;
        var log = new Log(options.Verbosity);
        foreach (var warning in request.Warnings)
        {
            log.Warning(warning, "configuration warning");
        }
        try
        {
            return await RunAsync(options, log).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException or GitException or InvalidOperationException)
        {
            if (e is ConfigException)
            {
                log.Error(e.Message, "fatal error");
            }
            else
            {
                var failure = FailureClassifier.Default.Classify(e);
                log.Error(e.Message, "fatal error", ("class", failure.Class.Name), ("hint", failure.Hint));
            }
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
        SetUpProcess(options, log);

        using var stopSource = new CancellationTokenSource();
        var trigger = new SyncTrigger();
        using var signals = SignalHandlers.Register(options.Loop.SyncSignal, stopSource, trigger, log);

        var metrics = options.Http.Metrics ? new SyncMetrics() : null;
        using var gitEnv = GitEnvironment.Create(options.Sync.Root);
        gitEnv.LogPlacement(log, sshNeeded: Auth.RepoUrl.IsSsh(options.Sync.Repo) || options.Signatures.SshAllowedSignersFile is not null);
        await using var credentials = new CredentialSetup(options.Auth, options.Sync.Repo, options.Loop.SyncTimeout, options.Loop.LongestWait, log, metrics, gitEnv.Directory);
        // From here on git gets --repo without an embedded password (that went to the credential cache).
        options = options with { Sync = options.Sync with { Repo = credentials.Repo } };
        credentials.ConfigureEnvironment(gitEnv.Variables);
        var git = new GitCli(options.Git.Path, gitEnv.Variables, log);
        await git.ProbeVersionAsync(stopSource.Token).ConfigureAwait(false);
        await gitEnv.WriteConfigAsync(git, options.Git.Config, credentials.GitConfig(), stopSource.Token).ConfigureAwait(false);

        Filesystem.CreateDirectory(options.Sync.Root, "the --root directory");
        var status = new SyncStatus();
        metrics?.Observe(status.Gauges);
        // Only a fan-out needs an HTTP client and its background loop.
        await using var peers = options.Http.PushTrigger is not { Peers.Count: > 0 } ? null
            : new PeerForwarder(options.Http.PushTrigger.Peers, OwnEndpoints.From(Bind.Parse(options.Http.Bind!)!), metrics, log);
        var releases = options.Sync.RefSemver is not { } range ? null
            : new ReleaseFollower(range, options.Sync.Repo, options.Sync.Root, git, options.Signatures.Mode == Trust.SignatureMode.Tag, log)
            {
                Metrics = metrics is null ? null : new ReleaseMetrics(metrics),
            };
        await using var endpoint = await StartHttpAsync(options, status, trigger, metrics, peers, releases, log, stopSource.Token).ConfigureAwait(false);

        // Only a webhook needs an HTTP client: without one its code pages are never touched.
        using var http = options.Hooks.Webhook is null ? null : OutboundHttp.Create();
        using var signatures = options.Signatures.Mode == Trust.SignatureMode.None ? null
            : new Trust.SignatureGate(options.Signatures, options.Sync.Root, options.Sync.Ref, options.Git.Path, gitEnv.Variables, gitEnv.Directory, log, metrics);
        if (signatures is not null)
        {
            await signatures.LoadAsync(stopSource.Token).ConfigureAwait(false);
        }
        var pipeline = PublishSteps.Compose(options.Hooks, options.Loop.OneTime, signatures, gitEnv.Variables, http, metrics, log);
        var engine = new SyncEngine(options.Sync, git, log, pipeline, releases: releases);
        var loop = new SyncLoop(options.Sync, options.Loop, engine, git, trigger, status, metrics, new StatusFiles(options.Loop, log), log)
        {
            BeforeSync = (force, ct) => credentials.RefreshAsync(git, force, ct),
            Classifier = new FailureClassifier(SshCommand.KeyFiles(options.Auth, Environment.GetEnvironmentVariable("GIT_SSH_COMMAND"))),
        };
        return await loop.RunAsync(stopSource.Token).ConfigureAwait(false);
    }

    /// <summary><c>--check --probe</c>: one line per problem, in the failure catalogue's terms; exit 1 if any.</summary>
    private static async Task<int> ProbeAsync(GitSyncOptions options)
    {
        var problems = await Preflight.RunAsync(options.Sync, options.Auth, CancellationToken.None).ConfigureAwait(false);
        var redactor = new Redactor();
        redactor.AddSecret(options.Auth.Password);
        foreach (var p in problems)
        {
            await Console.Error.WriteLineAsync($"ERROR: {p.Class.Name}: {redactor.Redact(p.Detail)} ({redactor.Redact(p.Hint)})").ConfigureAwait(false);
        }
        return problems.Count == 0 ? 0 : 1;
    }

    /// <summary>The umask (<c>--group-write</c>: files git creates are group-writable) and <c>--add-user</c>.</summary>
    private static void SetUpProcess(GitSyncOptions options, Log log)
    {
        Native.Umask(options.GroupWrite ? 0x02u : 0x12u);
        if (!options.AddUser)
        {
            return;
        }
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

    /// <summary>The HTTP endpoint (<c>--http-bind</c>), serving once this returns; null when off.</summary>
    private static async Task<HttpEndpoint?> StartHttpAsync(GitSyncOptions options, SyncStatus status, SyncTrigger trigger, SyncMetrics? metrics, PeerForwarder? peers, ReleaseFollower? releases, Log log, CancellationToken stop)
    {
        if (options.Http.Bind is null)
        {
            return null;
        }
        var push = options.Http.PushTrigger is null ? null : new PushTrigger(options.Http.PushTrigger, options.Sync.Ref, trigger, status, metrics, log, peers) { Releases = options.Sync.RefSemver };
        var pushMode = options.Http.PushTrigger is null ? "off" : options.Http.PushTrigger.SecretFile is null ? "unauthenticated" : "authenticated";
        var endpoint = new HttpEndpoint(Bind.Parse(options.Http.Bind)!, options.Http.Limits, status, metrics, options.Http.Pprof, log,
            new StatusPage(status, options.Sync.Repo, options.Sync.Ref, options.Sync.Link, pushMode, log.Redactor) { Releases = releases }, push,
            new Freshness(status, options.Http.MaxStaleness, options.Loop, TimeProvider.System));
        try
        {
            await endpoint.StartAsync(stop).ConfigureAwait(false);
        }
        catch
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        log.Info(0, "serving HTTP", ("endpoint", options.Http.Bind));
        return endpoint;
    }

    private static string VersionText()
    {
        var info = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return info;
    }
}
