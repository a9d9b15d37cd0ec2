using System.Globalization;
using System.Text.Json;
using GitSync.Auth;
using GitSync.Git;
using GitSync.Hooks;
using GitSync.Http;
using GitSync.Platform;
using GitSync.Sync;

namespace GitSync.Cli;

/// <summary>What the command line asks for.</summary>
internal enum CliAction
{
    Run,
    Help,
    Man,
    Check,
    Version,
}

/// <summary>The result of reading the command line: an action, the options, and warnings to log.</summary>
internal sealed record CliRequest(CliAction Action, GitSyncOptions? Options, IReadOnlyList<string> Warnings);

/// <summary>
/// Converts raw flag values into a validated <see cref="GitSyncOptions"/>. Every problem is a
/// <see cref="ConfigException"/> whose one-line message names the flag, upstream-style.
/// </summary>
internal sealed class OptionsBuilder
{
    private readonly FlagParser _flags;
    private readonly Func<string, string?> _getEnv;
    private readonly List<string> _warnings;

    private OptionsBuilder(FlagParser flags, Func<string, string?> getEnv)
    {
        _flags = flags;
        _getEnv = getEnv;
        _warnings = [.. flags.Warnings];
    }

    /// <summary>
    /// Best-effort error-file path for reporting a configuration error. Scans leniently (the
    /// command line may be the very thing that is broken): the last --error-file and --root given
    /// on the command line (any spelling), else their environment variables.
    /// </summary>
    public static string? ErrorFileFor(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        string? Scan(string name)
        {
            string? found = null;
            for (var i = 0; i < args.Count; i++)
            {
                var a = args[i].TrimStart('-');
                if (a == name && i + 1 < args.Count)
                {
                    found = args[i + 1];
                }
                else if (a.StartsWith(name + "=", StringComparison.Ordinal))
                {
                    found = a[(name.Length + 1)..];
                }
            }
            return found ?? FlagTable.Find(name)!.Env.Select(getEnv).LastOrDefault(v => v is not null);
        }
        var errorFile = Scan("error-file");
        if (string.IsNullOrEmpty(errorFile))
        {
            return null;
        }
        if (Path.IsPathRooted(errorFile))
        {
            return errorFile;
        }
        var root = Scan("root");
        return string.IsNullOrEmpty(root) ? null : Path.Combine(Path.GetFullPath(root), errorFile);
    }

    public static CliRequest Build(IReadOnlyList<string> args, Func<string, string?> getEnv)
    {
        var flags = FlagParser.Parse(args, getEnv);
        var builder = new OptionsBuilder(flags, getEnv);
        // Malformed values are errors even with --help (so a broken manifest is noticed early).
        builder.CheckTypes();
        if (builder.Bool("help"))
        {
            return new CliRequest(CliAction.Help, null, builder._warnings);
        }
        if (builder.Bool("man"))
        {
            return new CliRequest(CliAction.Man, null, builder._warnings);
        }
        if (builder.Bool("version"))
        {
            return new CliRequest(CliAction.Version, null, builder._warnings);
        }
        var options = builder.BuildOptions();
        return new CliRequest(builder.Bool("check") ? CliAction.Check : CliAction.Run, options, builder._warnings);
    }

    private void CheckTypes()
    {
        foreach (var raw in _flags.Values.Values)
        {
            foreach (var v in raw.Values)
            {
                Convert(raw, v);
            }
        }
    }

    private GitSyncOptions BuildOptions()
    {
        foreach (var raw in _flags.Values.Values.Where(r => r.Flag.Deprecated))
        {
            _warnings.Add($"{raw.Origin} is deprecated, use {raw.Flag.ReplacedBy} instead");
        }

        if (_flags.IsSet("change-permissions") && Int("change-permissions") != 0)
        {
            throw new ConfigException("deprecated flag: --change-permissions is no longer supported (use --group-write)");
        }

        RefuseUnimplemented();

        var repo = Str("repo");
        if (string.IsNullOrEmpty(repo))
        {
            throw new ConfigException("required flag: --repo must be specified");
        }
        RefuseOptionLike("--repo", repo, "a URL or path");
        var rootText = Str("root");
        if (string.IsNullOrEmpty(rootText))
        {
            throw new ConfigException("required flag: --root must be specified");
        }
        var root = ResolveRoot(rootText);

        var refText = ResolveRef();
        RefuseOptionLike("--ref", refText, "a branch, tag, full commit hash or HEAD");
        var gitRef = GitRef.Parse(refText);

        var depth = Int("depth");
        if (depth < 0)
        {
            throw new ConfigException("invalid flag: --depth must be greater than or equal to 0");
        }

        var submodules = Str("submodules") switch
        {
            "recursive" => SubmoduleMode.Recursive,
            "shallow" => SubmoduleMode.Shallow,
            "off" => SubmoduleMode.Off,
            var other => throw new ConfigException($"invalid flag: --submodules must be one of recursive, shallow or off (got \"{other}\")"),
        };

        var gc = Str("git-gc") switch
        {
            "auto" => GcMode.Auto,
            "always" => GcMode.Always,
            "aggressive" => GcMode.Aggressive,
            "off" => GcMode.Off,
            var other => throw new ConfigException($"invalid flag: --git-gc must be one of auto, always, aggressive or off (got \"{other}\")"),
        };

        var period = Dur("period");
        if (_flags.IsSet("wait"))
        {
            period = (TimeSpan)Convert(_flags.Get("wait")!, _flags.Get("wait")!.Last);
        }
        if (period < TimeSpan.FromMilliseconds(10))
        {
            throw new ConfigException("invalid flag: --period must be at least 10ms");
        }
        var initPeriod = _flags.IsSet("init-period") ? Dur("init-period") : period;
        if (initPeriod < TimeSpan.FromMilliseconds(10))
        {
            throw new ConfigException("invalid flag: --init-period must be at least 10ms");
        }

        var syncTimeout = Dur("sync-timeout");
        if (_flags.IsSet("timeout"))
        {
            syncTimeout = (TimeSpan)Convert(_flags.Get("timeout")!, _flags.Get("timeout")!.Last);
        }
        if (syncTimeout < TimeSpan.FromMilliseconds(10))
        {
            throw new ConfigException("invalid flag: --sync-timeout must be at least 10ms");
        }

        var stale = Dur("stale-worktree-timeout");
        if (stale < TimeSpan.Zero)
        {
            throw new ConfigException("invalid flag: --stale-worktree-timeout must be greater than or equal to 0");
        }

        var maxFailures = Int("max-failures");
        if (_flags.IsSet("max-sync-failures") && Int("max-sync-failures") != 0)
        {
            maxFailures = Int("max-sync-failures");
        }
        var initMaxFailures = _flags.IsSet("init-max-failures") ? Int("init-max-failures") : maxFailures;

        var verbosity = Int("verbose");
        if (_flags.IsSet("v"))
        {
            verbosity = Int("v");
        }

        int? signal = null;
        var signalText = Str("sync-on-signal");
        if (!string.IsNullOrEmpty(signalText))
        {
            signal = SignalNumbers.Parse(signalText)
                ?? throw new ConfigException($"invalid flag: --sync-on-signal must be a signal name or number (got \"{signalText}\")");
        }

        var link = Str("link");
        if (_flags.IsSet("dest") && !string.IsNullOrEmpty(Str("dest")))
        {
            link = Str("dest");
        }
        if (string.IsNullOrEmpty(link))
        {
            link = DefaultLinkName(repo);
        }
        if (string.IsNullOrEmpty(link) || link is "." or "..")
        {
            throw new ConfigException("invalid flag: --link could not be derived from --repo; set it explicitly");
        }
        var linkPath = Path.GetFullPath(link, root);
        if (linkPath.TrimEnd('/') == root.TrimEnd('/'))
        {
            throw new ConfigException("invalid flag: --link must not be the root itself");
        }

        var httpBind = NullIfEmpty(Str("http-bind"));
        var httpMetrics = Bool("http-metrics");
        var httpPprof = Bool("http-pprof");
        if (httpBind is null && httpMetrics)
        {
            throw new ConfigException("required flag: --http-bind must be specified when --http-metrics is set");
        }
        if (httpBind is null && httpPprof)
        {
            throw new ConfigException("required flag: --http-bind must be specified when --http-pprof is set");
        }
        var pushTrigger = BuildPushTrigger(httpBind is not null);
        if (httpBind is not null)
        {
            _ = Http.Bind.Parse(httpBind) ?? throw new ConfigException($"invalid flag: --http-bind must be ADDRESS:PORT (got \"{httpBind}\")");
        }

        var gitConfig = new List<GitConfigEntry>();
        try
        {
            gitConfig.AddRange(GitConfigSpec.Parse(Str("git-config")).Select(kv => new GitConfigEntry(kv.Key, kv.Value, Add: false)));
        }
        catch (FormatException e)
        {
            throw new ConfigException($"invalid flag: --git-config: {e.Message}");
        }
        foreach (var entry in List("git-config-add"))
        {
            try
            {
                gitConfig.AddRange(GitConfigSpec.Parse(entry, single: true).Select(kv => new GitConfigEntry(kv.Key, kv.Value, Add: true)));
            }
            catch (FormatException e)
            {
                throw new ConfigException($"invalid flag: --git-config-add: {e.Message}");
            }
        }

        var git = Str("git");
        if (string.IsNullOrEmpty(git))
        {
            throw new ConfigException("invalid flag: --git must not be empty");
        }

        // The gate runs inside the sync: a hook allowed to outlive the sync would be killed by
        // the sync timeout and count as a failed sync instead of a refused revision.
        var prePublish = BuildCommandHook("pre-publish-exechook");
        if (prePublish is not null && prePublish.Timeout >= syncTimeout)
        {
            throw new ConfigException($"invalid flag: --pre-publish-exechook-timeout ({Duration.Format(prePublish.Timeout)}) must be shorter than --sync-timeout ({Duration.Format(syncTimeout)}): the hook runs inside the sync");
        }

        return new GitSyncOptions
        {
            Sync = new SyncOptions
            {
                Repo = repo,
                Root = root,
                Ref = gitRef,
                Link = linkPath,
                Depth = depth,
                Submodules = submodules,
                SparseCheckoutFile = NullIfEmpty(Str("sparse-checkout-file")),
                Filter = NullIfEmpty(Str("filter")),
                GitGc = gc,
                StaleWorktreeTimeout = stale,
                RecycleWorktrees = Bool("recycle-worktrees"),
            },
            Loop = new LoopOptions
            {
                Period = period,
                InitPeriod = initPeriod,
                SyncTimeout = syncTimeout,
                OneTime = Bool("one-time"),
                MaxFailures = maxFailures,
                InitMaxFailures = initMaxFailures,
                SyncSignal = signal,
                TouchFile = RootRelative(Str("touch-file"), root),
                ErrorFile = RootRelative(Str("error-file"), root),
            },
            Git = new GitOptions { Path = git, Config = gitConfig },
            GroupWrite = Bool("group-write"),
            AddUser = Bool("add-user"),
            Http = new HttpOptions
            {
                Bind = httpBind,
                Metrics = httpMetrics,
                Pprof = httpPprof,
                PushTrigger = pushTrigger,
                Limits = BuildHttpLimits(),
                MaxStaleness = BuildMaxStaleness(),
            },
            Verbosity = verbosity,
            Hooks = new HookOptions { ExecHook = BuildExecHook(), PrePublishHook = prePublish, Webhook = BuildWebhook() },
            Auth = BuildAuth(repo),
            Signatures = BuildSignatures(gitRef),
        };
    }

    private TimeSpan? BuildMaxStaleness()
    {
        var staleness = Dur("max-staleness");
        if (staleness < TimeSpan.Zero)
        {
            throw new ConfigException("invalid flag: --max-staleness must be greater than or equal to 0");
        }
        if (staleness > TimeSpan.Zero && string.IsNullOrEmpty(Str("http-bind")))
        {
            throw new ConfigException("required flag: --http-bind must be specified when --max-staleness is set");
        }
        return staleness > TimeSpan.Zero ? staleness : null;
    }

    private Trust.SignatureOptions BuildSignatures(GitRef gitRef)
    {
        var mode = Str("verify-signatures") switch
        {
            "none" or "" => Trust.SignatureMode.None,
            "commit" => Trust.SignatureMode.Commit,
            "tag" => Trust.SignatureMode.Tag,
            var other => throw new ConfigException($"invalid flag: --verify-signatures must be one of none, commit or tag (got \"{other}\")"),
        };
        var keyring = TrustFile("trusted-gpg-keyring-file");
        var signers = TrustFile("trusted-ssh-allowed-signers-file");
        if (mode == Trust.SignatureMode.None)
        {
            return new(mode, null, null);
        }
        if (keyring is null && signers is null)
        {
            throw new ConfigException("required flag: --verify-signatures needs --trusted-gpg-keyring-file or --trusted-ssh-allowed-signers-file (or both)");
        }
        if (mode == Trust.SignatureMode.Tag && !gitRef.CanNameTag)
        {
            throw new ConfigException($"invalid flag: --verify-signatures=tag needs --ref to name an annotated tag, not a branch, HEAD or a hash (got \"{gitRef}\"); use --verify-signatures=commit");
        }
        return new(mode, keyring, signers);
    }

    /// <summary>A trust file must exist and be readable at start-up: verifying against nothing would refuse every revision.</summary>
    private string? TrustFile(string flag)
    {
        var value = Str(flag);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        var path = Path.GetFullPath(value);
        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"invalid flag: --{flag}: can't read {path}: {Trust.TrustFileError.Describe(e)}");
        }
        return path;
    }

    /// <summary>Flags of features still being built are refused rather than silently ignored.</summary>
    private void RefuseUnimplemented()
    {
        foreach (var name in NotYetImplemented)
        {
            if (_flags.Get(name) is { } raw && raw.Values.Any(v => raw.Flag.Type switch
            {
                FlagType.Bool => ParseBool(v) == true,
                FlagType.Int => !TryParseInt(v, out var n) || n != 0,
                _ => v.Length > 0,
            }))
            {
                throw new ConfigException($"unsupported flag: {raw.Origin} is not implemented yet in this version of git-sync");
            }
        }
    }

    internal static readonly string[] NotYetImplemented = [];

    private string ResolveRef()
    {
        var gitRef = Str("ref");
        var branch = _flags.IsSet("branch") ? Str("branch") : "";
        var rev = _flags.IsSet("rev") ? Str("rev") : "";
        if (branch.Length > 0 && rev.Length > 0 && rev != "HEAD")
        {
            throw new ConfigException("deprecated flag combo: can't set --ref from deprecated --branch and --rev (one or the other is OK)");
        }
        if (branch.Length > 0)
        {
            return branch;
        }
        if (rev.Length > 0)
        {
            return rev;
        }
        // An explicitly empty --ref (or $GITSYNC_REF) is a mistake, not a request for the
        // default: upstream refuses it too.
        if (gitRef.Length == 0)
        {
            throw new ConfigException("required flag: --ref must be specified");
        }
        return gitRef;
    }

    /// <summary>
    /// git reads an argument that starts with '-' as an option wherever an option may stand, and
    /// some options run commands (<c>--upload-pack</c>, <c>-c core.sshCommand=…</c>). Every git
    /// command separates user values with <c>--</c> too; refusing them here also gives a clear
    /// message instead of a confusing git error.
    /// </summary>
    private static void RefuseOptionLike(string flag, string value, string what)
    {
        if (value.StartsWith('-'))
        {
            throw new ConfigException($"invalid flag: {flag} must be {what}, not something that starts with '-' (got \"{Logging.Redactor.RedactUrlPasswords(value)}\")");
        }
        if (value.Any(char.IsControl))
        {
            throw new ConfigException($"invalid flag: {flag} must not contain control characters such as line breaks");
        }
    }

    private CommandHookOptions? BuildExecHook()
    {
        var hook = BuildCommandHook("exechook");
        var legacy = _flags.IsSet("sync-hook-command") ? Str("sync-hook-command") : "";
        if (legacy.Length > 0)
        {
            hook = new CommandHookOptions(legacy, Dur("exechook-timeout"), Dur("exechook-backoff"));
        }
        return hook;
    }

    private CommandHookOptions? BuildCommandHook(string prefix)
    {
        var command = Str(prefix + "-command");
        if (string.IsNullOrEmpty(command))
        {
            return null;
        }
        var timeout = Dur(prefix + "-timeout");
        var backoff = Dur(prefix + "-backoff");
        if (timeout < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException($"invalid flag: --{prefix}-timeout must be at least 1s");
        }
        if (backoff < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException($"invalid flag: --{prefix}-backoff must be at least 1s");
        }
        return new CommandHookOptions(command, timeout, backoff);
    }

    private WebhookOptions? BuildWebhook()
    {
        var url = Str("webhook-url");
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new ConfigException($"invalid flag: --webhook-url must be an http(s) URL");
        }
        var status = Int("webhook-success-status");
        if (status == -1)
        {
            status = 0;
        }
        if (status < 0)
        {
            throw new ConfigException("invalid flag: --webhook-success-status must be a valid HTTP code, 0 or -1");
        }
        var timeout = Dur("webhook-timeout");
        var backoff = Dur("webhook-backoff");
        if (timeout < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException("invalid flag: --webhook-timeout must be at least 1s");
        }
        if (backoff < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException("invalid flag: --webhook-backoff must be at least 1s");
        }
        var method = Str("webhook-method");
        if (string.IsNullOrWhiteSpace(method))
        {
            throw new ConfigException("invalid flag: --webhook-method must not be empty");
        }
        return new WebhookOptions(url, method, status, timeout, backoff);
    }

    private PushTriggerOptions? BuildPushTrigger(bool httpBind)
    {
        var secretFile = NullIfEmpty(Str("push-trigger-secret-file"));
        var insecure = Bool("push-trigger-insecure-no-auth");
        if (secretFile is null && !insecure)
        {
            return null;
        }
        var flag = secretFile is not null ? "--push-trigger-secret-file" : "--push-trigger-insecure-no-auth";
        if (secretFile is not null && insecure)
        {
            throw new ConfigException("invalid flag: only one of --push-trigger-secret-file and --push-trigger-insecure-no-auth may be specified");
        }
        if (!httpBind)
        {
            throw new ConfigException($"required flag: --http-bind must be specified when {flag} is set");
        }
        var maxBody = Int("push-trigger-max-body-bytes");
        if (maxBody is < 1 or > 64 * 1024 * 1024)
        {
            throw new ConfigException("invalid flag: --push-trigger-max-body-bytes must be between 1 and 67108864");
        }
        var rate = Int("push-trigger-rate-limit");
        if (rate < 0)
        {
            throw new ConfigException("invalid flag: --push-trigger-rate-limit must be greater than or equal to 0");
        }
        var burst = Int("push-trigger-burst");
        if (burst < 1)
        {
            throw new ConfigException("invalid flag: --push-trigger-burst must be at least 1");
        }
        return new PushTriggerOptions(secretFile is null ? null : Path.GetFullPath(secretFile), maxBody, rate, burst);
    }

    private HttpLimits BuildHttpLimits()
    {
        var connections = Int("http-max-connections");
        if (connections is < 1 or > 100_000)
        {
            throw new ConfigException("invalid flag: --http-max-connections must be between 1 and 100000");
        }
        var headerTimeout = Dur("http-header-timeout");
        if (headerTimeout < TimeSpan.FromMilliseconds(100))
        {
            throw new ConfigException("invalid flag: --http-header-timeout must be at least 100ms");
        }
        var headerBytes = Int("http-max-header-bytes");
        if (headerBytes is < 1024 or > 1024 * 1024)
        {
            throw new ConfigException("invalid flag: --http-max-header-bytes must be between 1024 and 1048576");
        }
        var keepAlive = Dur("http-keepalive-timeout");
        if (keepAlive < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException("invalid flag: --http-keepalive-timeout must be at least 1s");
        }
        return new HttpLimits(connections, headerTimeout, headerBytes, keepAlive);
    }

    private AuthOptions BuildAuth(string repo)
    {
        var username = NullIfEmpty(Str("username"));
        var password = NullIfEmpty(_flags.EnvOnly("GITSYNC_PASSWORD", _getEnv));
        if (_flags.IsSet("password") && Str("password").Length > 0)
        {
            password = Str("password");
        }
        var passwordFile = NullIfEmpty(Str("password-file"));
        if (username is not null)
        {
            if (password is null && passwordFile is null)
            {
                throw new ConfigException("required flag: $GITSYNC_PASSWORD or --password-file must be specified when --username is specified");
            }
            if (password is not null && passwordFile is not null)
            {
                throw new ConfigException("invalid flag: only one of $GITSYNC_PASSWORD and --password-file may be specified");
            }
            // Any user part of an http(s) URL is a credential (often a token on its own); in other
            // URLs (ssh://git@host) only a password is.
            if (Auth.RepoUrl.HasCredentials(repo))
            {
                throw new ConfigException("invalid flag: credentials may be specified in --repo or with --username, not both");
            }
        }
        else
        {
            if (password is not null)
            {
                throw new ConfigException("invalid flag: $GITSYNC_PASSWORD may only be specified when --username is specified");
            }
            if (passwordFile is not null)
            {
                throw new ConfigException("invalid flag: --password-file may only be specified when --username is specified");
            }
        }

        var credentials = new List<Credential>();
        foreach (var text in List("credential"))
        {
            credentials.AddRange(ParseCredentials(text));
        }

        var keyFiles = List("ssh-key-file").ToList();
        if (!_flags.IsSet("ssh-key-file"))
        {
            keyFiles = ["/etc/git-secret/ssh"];
        }

        var appKeyFile = NullIfEmpty(Str("github-app-private-key-file"));
        var appKey = NullIfEmpty(_flags.EnvOnly("GITSYNC_GITHUB_APP_PRIVATE_KEY", _getEnv));
        var appId = Long("github-app-application-id");
        var clientId = NullIfEmpty(Str("github-app-client-id"));
        var installationId = Long("github-app-installation-id");
        var anyApp = appKeyFile is not null || appKey is not null || appId != 0 || clientId is not null || installationId != 0;
        if (anyApp)
        {
            if (appKeyFile is null && appKey is null)
            {
                throw new ConfigException("required flag: --github-app-private-key-file or $GITSYNC_GITHUB_APP_PRIVATE_KEY must be specified when GitHub App authentication is used");
            }
            if (appKeyFile is not null && appKey is not null)
            {
                throw new ConfigException("invalid flag: only one of --github-app-private-key-file and $GITSYNC_GITHUB_APP_PRIVATE_KEY may be specified");
            }
            if (appId == 0 && clientId is null)
            {
                throw new ConfigException("required flag: --github-app-application-id or --github-app-client-id must be specified when GitHub App authentication is used");
            }
            if (appId != 0 && clientId is not null)
            {
                throw new ConfigException("invalid flag: only one of --github-app-application-id and --github-app-client-id may be specified");
            }
            if (installationId == 0)
            {
                throw new ConfigException("required flag: --github-app-installation-id must be specified when GitHub App authentication is used");
            }
            if (username is not null)
            {
                throw new ConfigException("invalid flag: --username may not be combined with GitHub App authentication");
            }
        }

        return new AuthOptions
        {
            Username = username,
            Password = password,
            PasswordFile = passwordFile,
            Credentials = credentials,
            AskpassUrl = NullIfEmpty(Str("askpass-url")),
            CookieFile = Bool("cookie-file"),
            SshKeyFiles = keyFiles,
            SshKnownHosts = Bool("ssh-known-hosts"),
            SshKnownHostsFile = Str("ssh-known-hosts-file"),
            GitHubBaseUrl = Str("github-base-url"),
            GitHubAppPrivateKeyFile = appKeyFile,
            GitHubAppPrivateKey = appKey,
            GitHubAppApplicationId = appId,
            GitHubAppClientId = clientId,
            GitHubAppInstallationId = installationId,
        };
    }

    internal static IEnumerable<Credential> ParseCredentials(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new ConfigException("invalid flag: --credential must be a JSON object or a JSON list of objects");
        }
        using (doc)
        {
            var items = doc.RootElement.ValueKind == JsonValueKind.Array
                ? doc.RootElement.EnumerateArray().ToList()
                : [doc.RootElement];
            var result = new List<Credential>();
            foreach (var item in items)
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new ConfigException("invalid flag: --credential must be a JSON object or a JSON list of objects");
                }
                string? Field(string name) => item.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                var url = Field("url");
                var user = Field("username");
                var pass = Field("password");
                var passFile = Field("password-file");
                if (string.IsNullOrEmpty(url))
                {
                    throw new ConfigException("invalid flag: --credential: \"url\" must be specified");
                }
                if (string.IsNullOrEmpty(user))
                {
                    throw new ConfigException("invalid flag: --credential: \"username\" must be specified");
                }
                if (string.IsNullOrEmpty(pass) == string.IsNullOrEmpty(passFile))
                {
                    throw new ConfigException("invalid flag: --credential: exactly one of \"password\" and \"password-file\" must be specified");
                }
                result.Add(new Credential(url, user, NullIfEmpty(pass), NullIfEmpty(passFile)));
            }
            return result;
        }
    }

    /// <summary>Default link name: the last path element of the repo, without a trailing '/'.</summary>
    internal static string DefaultLinkName(string repo)
    {
        var trimmed = repo.TrimEnd('/');
        var slash = trimmed.LastIndexOfAny(['/', ':']);
        return slash >= 0 ? trimmed[(slash + 1)..] : trimmed;
    }

    /// <summary>
    /// The root as an absolute path without symlinks or <c>..</c>: the longest existing prefix is
    /// resolved with realpath(3), the rest (created later) is appended.
    /// </summary>
    internal static string ResolveRoot(string text)
    {
        var full = Path.GetFullPath(text).TrimEnd('/');
        if (full.Length == 0)
        {
            return "/";
        }
        var existing = full;
        var rest = new Stack<string>();
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return full;
            }
            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }
        var resolved = Platform.Native.RealPath(existing);
        while (rest.Count > 0)
        {
            resolved = Path.Combine(resolved, rest.Pop());
        }
        return resolved;
    }

    private static string? RootRelative(string path, string root)
        => string.IsNullOrEmpty(path) ? null : Path.GetFullPath(path, root);

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private object Convert(RawValue raw, string text)
    {
        var flag = raw.Flag;
        switch (flag.Type)
        {
            case FlagType.Bool:
                return ParseBool(text) ?? throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be a boolean");
            case FlagType.Int:
                if (TryParseInt(text, out var i))
                {
                    return i;
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be an integer");
            case FlagType.Duration:
                if (Duration.TryParse(text, out var d))
                {
                    return d;
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be a duration like 100ms, 10s or 1m30s");
            case FlagType.FloatSeconds:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f))
                {
                    return TimeSpan.FromMilliseconds(Math.Round(f * 1000));
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be a number of seconds");
            case FlagType.IntSeconds:
                if (TryParseInt(text, out var s))
                {
                    return TimeSpan.FromSeconds(s);
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be an integer number of seconds");
            default:
                return text;
        }
    }

    /// <summary>Go's strconv.ParseBool.</summary>
    internal static bool? ParseBool(string text) => text switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    /// <summary>Go's strconv.ParseInt with base 0 (0x.., 0o.., 0b.. prefixes).</summary>
    internal static bool TryParseInt(string text, out long value)
    {
        value = 0;
        var s = text.Trim().Replace("_", "", StringComparison.Ordinal);
        var negative = false;
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.Length == 0)
        {
            return false;
        }
        try
        {
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                value = System.Convert.ToInt64(s[2..], 16);
            }
            else if (s.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
            {
                value = System.Convert.ToInt64(s[2..], 8);
            }
            else if (s.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            {
                value = System.Convert.ToInt64(s[2..], 2);
            }
            else if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                return false;
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
        if (negative)
        {
            value = -value;
        }
        return true;
    }

    private RawValue RawOrDefault(string name)
    {
        if (_flags.Get(name) is { } raw)
        {
            return raw;
        }
        var flag = FlagTable.Find(name) ?? throw new InvalidOperationException($"no flag {name}");
        return new RawValue(flag, flag.Default.Length == 0 ? [] : [flag.Default], ValueSource.Default, "--" + name);
    }

    private string Str(string name) => RawOrDefault(name).Last;

    private bool Bool(string name)
    {
        var raw = RawOrDefault(name);
        return raw.Values.Count > 0 && (bool)Convert(raw, raw.Last);
    }

    private long Long(string name)
    {
        var raw = RawOrDefault(name);
        return raw.Values.Count == 0 ? 0 : (long)Convert(raw, raw.Last);
    }

    private int Int(string name)
    {
        var value = Long(name);
        if (value is > int.MaxValue or < int.MinValue)
        {
            throw new ConfigException($"invalid value for --{name}: out of range");
        }
        return (int)value;
    }

    private TimeSpan Dur(string name)
    {
        var raw = RawOrDefault(name);
        return raw.Values.Count == 0 ? TimeSpan.Zero : (TimeSpan)Convert(raw, raw.Last);
    }

    private IReadOnlyList<string> List(string name) => _flags.Get(name)?.Values ?? [];
}
