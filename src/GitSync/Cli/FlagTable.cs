using GitSync.Logging;

namespace GitSync.Cli;

/// <summary>How a flag's value is written.</summary>
internal enum FlagType
{
    String,
    Bool,
    Int,
    /// <summary>Go-style duration (<c>1m30s</c>).</summary>
    Duration,
    /// <summary>Seconds as a float (v3 <c>--wait</c>).</summary>
    FloatSeconds,
    /// <summary>Seconds as an integer (v3 <c>--timeout</c>).</summary>
    IntSeconds,
    /// <summary>Repeatable; every occurrence is kept.</summary>
    List,
}

/// <summary>One row of the flag table: parsing, environment binding, --help and --man all read it.</summary>
internal sealed record Flag(string Name, FlagType Type, string Default, string Help)
{
    /// <summary>One-letter alias (<c>-v</c>).</summary>
    public char? Short { get; init; }

    /// <summary>Environment variables, primary first; later ones are deprecated spellings.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>For a deprecated flag, what to use instead (shown in warnings and --help).</summary>
    public string? ReplacedBy { get; init; }

    /// <summary>Which group of the manual the flag belongs to.</summary>
    public string Section { get; init; } = "sync";

    /// <summary>Placeholder for the value in --help.</summary>
    public string Meta => Type switch
    {
        FlagType.Bool => "",
        FlagType.Int => " <int>",
        FlagType.Duration => " <duration>",
        FlagType.FloatSeconds => " <float>",
        FlagType.IntSeconds => " <int>",
        _ => " <string>",
    };

    public bool Deprecated => ReplacedBy is not null;

    /// <summary>For a v3 spelling: the flag whose value it sets (<see cref="FlagValues"/> folds it in).</summary>
    public Flag? Into { get; init; }

    /// <summary>When a v3 spelling that is given overrides <see cref="Into"/>.</summary>
    public FoldWhen FoldWhen { get; init; }

    /// <summary>How <c>--check</c> shows the effective value (null: the flag is an action or a v3 spelling).</summary>
    public Shown? Shown { get; init; }
}

/// <summary>When a given v3 spelling overrides the flag it replaces (upstream's rules, flag by flag).</summary>
internal enum FoldWhen
{
    /// <summary>Whenever it is given, even as 0 (<c>--v</c>, <c>--wait</c>, <c>--timeout</c>).</summary>
    Set,

    /// <summary>Only with a non-empty, non-zero value (<c>--branch</c>, <c>--dest</c>, <c>--max-sync-failures</c>...).</summary>
    NotEmpty,
}

/// <summary>
/// A flag's line in <c>--check</c>'s JSON: its key (<c>a.b</c> nests <c>b</c> in object <c>a</c>)
/// and the effective value, read from the validated options. Several flags may share a key.
/// Values are shown as they are used, so secrets must be masked here.
/// </summary>
internal sealed record Shown(string Key, Func<GitSyncOptions, object?> Value)
{
    /// <summary>Leave the key out of <c>--check</c> when the value is null (for flags whose absence is the usual case).</summary>
    public bool OmitWhenNull { get; init; }
}

/// <summary>The command line of git-sync: upstream v4's flags, plus v3's deprecated spellings.</summary>
internal static class FlagTable
{
    /// <summary>v3's mechanical spelling of a flag's variable: <c>GIT_SYNC_&lt;NAME&gt;</c>.</summary>
    public static string LegacyEnv(string name) => "GIT_SYNC_" + name.ToUpperInvariant().Replace('-', '_');

    private static Flag F(string name, FlagType type, string def, string help, string section, params string[] extraEnv)
    {
        var primary = "GITSYNC_" + name.ToUpperInvariant().Replace('-', '_');
        var legacy = LegacyEnv(name);
        var env = new List<string> { primary, legacy };
        env.AddRange(extraEnv);
        return new Flag(name, type, def, help) { Env = env, Section = section };
    }

    private static Flag Fold(string name, FlagType type, Flag into, FoldWhen when, string help, params string[] env)
        => new(name, type, "", help) { ReplacedBy = "--" + into.Name, Into = into, FoldWhen = when, Env = env, Section = "deprecated" };

    private static readonly Shown GitHubApp = new("auth.githubApp", o => o.Auth.GitHubAppApplicationId != 0 || o.Auth.GitHubAppClientId is not null);
    private static readonly Shown GitConfigKeys = new("gitConfigKeys", o => o.Git.Config.Select(e => e.Add ? e.Key + " (add)" : e.Key));
    private static readonly Shown PushTriggerOn = new("pushTrigger", o => o.Http.PushTrigger is not null);

    private static Flag Old(string name, FlagType type, string replacedBy, string help, params string[] env)
        => new(name, type, "", help) { ReplacedBy = replacedBy, Env = env, Section = "deprecated" };

    // What to sync.
    public static readonly Flag Repo = F("repo", FlagType.String, "", "The git repository to sync: any URL git accepts (file://, https://, ssh://, user@host:path). Required.", "sync") with { Shown = new Shown("repo", o => Redactor.RedactUrlPasswords(o.Sync.Repo)) };
    public static readonly Flag Ref = F("ref", FlagType.String, "HEAD", "The git revision to sync: a branch, a tag, a full commit hash, or HEAD (the remote's default branch).", "sync") with { Env = ["GITSYNC_REF"], Shown = new Shown("ref", o => o.Sync.Ref.Text) };
    public static readonly Flag RefSemver = F("ref-semver", FlagType.String, "", "Follow releases instead of --ref: sync the newest tag whose name (an optional leading v, then a SemVer 2.0 version) is in this npm-style range, e.g. '~1.4' (patches of 1.4), '^1.4.2' (1.x from 1.4.2), '>=1.2.0 <2.0.0', '1.x || 2.x', '*'. Pre-releases only when the range names one of the same version. Not together with --ref (see docs/releases.md).", "sync") with { Env = ["GITSYNC_REF_SEMVER"], Shown = new Shown("refSemver", o => o.Sync.RefSemver) { OmitWhenNull = true } };
    public static readonly Flag Depth = F("depth", FlagType.Int, "1", "Fetch at most this many commits of history; 0 means all history.", "sync") with { Shown = new Shown("depth", o => o.Sync.Depth) };
    public static readonly Flag Submodules = F("submodules", FlagType.String, "recursive", "Submodule handling: recursive, shallow or off.", "sync") with { Shown = new Shown("submodules", o => o.Sync.Submodules) };
    public static readonly Flag SparseCheckoutFile = F("sparse-checkout-file", FlagType.String, "", "A sparse-checkout file listing the paths to check out.", "sync") with { Shown = new Shown("sparseCheckoutFile", o => o.Sync.SparseCheckoutFile) };
    public static readonly Flag Filter = F("filter", FlagType.String, "", "A partial-clone filter for fetches (e.g. blob:none).", "sync") with { Env = ["GITSYNC_FILTER"], Shown = new Shown("filter", o => o.Sync.Filter) };

    // Where it goes.
    public static readonly Flag Root = F("root", FlagType.String, "", "git-sync's working directory: it holds the repo, the worktrees and (by default) the link. Required.", "layout") with { Shown = new Shown("root", o => o.Sync.Root) };
    public static readonly Flag Link = F("link", FlagType.String, "", "The symlink to publish (with --publish=copy: the directory), relative to --root unless absolute; defaults to the last path element of --repo.", "layout") with { Shown = new Shown("link", o => o.Sync.Link) };
    public static readonly Flag Publish = F("publish", FlagType.String, "link", "How a revision reaches consumers: link (--link is a symlink moved atomically to the new worktree) or copy (--link is a plain directory of real files, updated file by file; not atomic across files, see docs/consumers.md).", "layout") with { Env = ["GITSYNC_PUBLISH"], Shown = new Shown("publish", o => o.Sync.Publish.ToString().ToLowerInvariant()) };
    public static readonly Flag MarkerFile = F("marker-file", FlagType.String, "", "A file replaced atomically after each publish with the live hash and the time, for watchers (relative to --root unless absolute; outside the published tree).", "layout") with { Env = ["GITSYNC_MARKER_FILE"], Shown = new Shown("markerFile", o => o.Sync.MarkerFile) };
    public static readonly Flag GroupWrite = F("group-write", FlagType.Bool, "false", "Make the synced files group-writable.", "layout") with { Shown = new Shown("groupWrite", o => o.GroupWrite) };
    public static readonly Flag StaleWorktreeTimeout = F("stale-worktree-timeout", FlagType.Duration, "0", "How long an unpublished worktree is kept before it is removed.", "layout") with { Env = ["GITSYNC_STALE_WORKTREE_TIMEOUT"], Shown = new Shown("staleWorktreeTimeout", o => o.Sync.StaleWorktreeTimeout) };
    public static readonly Flag RecycleWorktrees = F("recycle-worktrees", FlagType.Bool, "true", "Build each new revision by updating the previous, unpublished tree in place (time proportional to the change; one spare tree on disk). false: a fresh checkout every time.", "layout") with { Shown = new Shown("recycleWorktrees", o => o.Sync.RecycleWorktrees) };
    public static readonly Flag TouchFile = F("touch-file", FlagType.String, "", "A file touched after each sync that changed something (relative to --root unless absolute).", "layout") with { Shown = new Shown("touchFile", o => o.Loop.TouchFile) };
    public static readonly Flag ErrorFile = F("error-file", FlagType.String, "", "A file that holds the last sync error as JSON, removed after a successful sync (relative to --root unless absolute).", "layout") with { Shown = new Shown("errorFile", o => o.Loop.ErrorFile) };

    // When.
    public static readonly Flag Period = F("period", FlagType.Duration, "10s", "How long to wait between syncs; at least 10ms.", "loop") with { Shown = new Shown("period", o => o.Loop.Period) };
    public static readonly Flag InitPeriod = F("init-period", FlagType.Duration, "", "The wait between attempts until the first successful sync; defaults to --period.", "loop") with { Env = ["GITSYNC_INIT_PERIOD"], Shown = new Shown("initPeriod", o => o.Loop.InitPeriod) };
    public static readonly Flag SyncTimeout = F("sync-timeout", FlagType.Duration, "120s", "The longest one sync may take; git and its children are killed after it. At least 10ms.", "loop") with { Shown = new Shown("syncTimeout", o => o.Loop.SyncTimeout) };
    public static readonly Flag OneTime = F("one-time", FlagType.Bool, "false", "Sync once and exit: 0 on success, 1 on failure.", "loop") with { Shown = new Shown("oneTime", o => o.Loop.OneTime) };
    public static readonly Flag MaxFailures = F("max-failures", FlagType.Int, "0", "Consecutive failed syncs tolerated before exiting; negative retries forever.", "loop") with { Shown = new Shown("maxFailures", o => o.Loop.MaxFailures) };
    public static readonly Flag InitMaxFailures = F("init-max-failures", FlagType.Int, "", "Consecutive failures tolerated before the first success; defaults to --max-failures.", "loop") with { Env = ["GITSYNC_INIT_MAX_FAILURES"], Shown = new Shown("initMaxFailures", o => o.Loop.InitMaxFailures) };
    public static readonly Flag SyncOnSignal = F("sync-on-signal", FlagType.String, "", "A signal (name like SIGHUP or HUP, or a number) that starts a sync at once.", "loop") with { Shown = new Shown("syncOnSignal", o => o.Loop.SyncSignal) };

    // Hooks.
    public static readonly Flag ExechookCommand = F("exechook-command", FlagType.String, "", "A command run in the new worktree after each publish, with GITSYNC_HASH set.", "hooks") with { Shown = new Shown("exechook.command", o => o.Hooks.ExecHook?.Command) };
    public static readonly Flag ExechookTimeout = F("exechook-timeout", FlagType.Duration, "30s", "The longest the exec hook may run.", "hooks") with { Shown = new Shown("exechook.timeout", o => o.Hooks.ExecHook?.Timeout) };
    public static readonly Flag ExechookBackoff = F("exechook-backoff", FlagType.Duration, "3s", "The wait before retrying a failed exec hook.", "hooks") with { Shown = new Shown("exechook.backoff", o => o.Hooks.ExecHook?.Backoff) };
    public static readonly Flag PrePublishExechookCommand = F("pre-publish-exechook-command", FlagType.String, "", "A command run in the new worktree before the link moves; the link moves only once it succeeds.", "hooks") with { Env = ["GITSYNC_PRE_PUBLISH_EXECHOOK_COMMAND"], Shown = new Shown("prePublishExechook.command", o => o.Hooks.PrePublishHook?.Command) };
    public static readonly Flag PrePublishExechookTimeout = F("pre-publish-exechook-timeout", FlagType.Duration, "30s", "The longest the pre-publish hook may run.", "hooks") with { Env = ["GITSYNC_PRE_PUBLISH_EXECHOOK_TIMEOUT"], Shown = new Shown("prePublishExechook.timeout", o => o.Hooks.PrePublishHook?.Timeout) };
    public static readonly Flag PrePublishExechookBackoff = F("pre-publish-exechook-backoff", FlagType.Duration, "3s", "The wait before retrying a failed pre-publish hook.", "hooks") with { Env = ["GITSYNC_PRE_PUBLISH_EXECHOOK_BACKOFF"], Shown = new Shown("prePublishExechook.backoff", o => o.Hooks.PrePublishHook?.Backoff) };
    public static readonly Flag WebhookUrl = F("webhook-url", FlagType.String, "", "A URL called after each publish, with the hash in the Gitsync-Hash header.", "hooks") with { Shown = new Shown("webhook.url", o => o.Hooks.Webhook is { } w ? Redactor.RedactUrlPasswords(w.Url) : null) };
    public static readonly Flag WebhookMethod = F("webhook-method", FlagType.String, "POST", "The HTTP method of the webhook.", "hooks") with { Shown = new Shown("webhook.method", o => o.Hooks.Webhook?.Method) };
    public static readonly Flag WebhookSuccessStatus = F("webhook-success-status", FlagType.Int, "200", "The status that means the webhook succeeded; 0 or -1: do not wait for an answer.", "hooks") with { Shown = new Shown("webhook.successStatus", o => o.Hooks.Webhook?.SuccessStatus) };
    public static readonly Flag WebhookTimeout = F("webhook-timeout", FlagType.Duration, "1s", "The longest to wait for the webhook's answer.", "hooks") with { Shown = new Shown("webhook.timeout", o => o.Hooks.Webhook?.Timeout) };
    public static readonly Flag WebhookBackoff = F("webhook-backoff", FlagType.Duration, "3s", "The wait before retrying a failed webhook.", "hooks") with { Shown = new Shown("webhook.backoff", o => o.Hooks.Webhook?.Backoff) };

    // Trust.
    public static readonly Flag VerifySignatures = F("verify-signatures", FlagType.String, "none", "Publish only signed revisions: none; commit (the commit must carry a valid signature by a trusted key); tag (--ref must be an annotated tag with a valid signature by a trusted key). A revision that fails is not published and the sync counts as failed.", "trust") with { Env = ["GITSYNC_VERIFY_SIGNATURES"], Shown = new Shown("signatures.mode", o => o.Signatures.Mode) };
    public static readonly Flag TrustedGpgKeyringFile = F("trusted-gpg-keyring-file", FlagType.String, "", "An OpenPGP public keyring (armored or binary) whose keys --verify-signatures trusts; re-read when it changes.", "trust") with { Env = ["GITSYNC_TRUSTED_GPG_KEYRING_FILE"], Shown = new Shown("signatures.gpgKeyringFile", o => o.Signatures.GpgKeyringFile) };
    public static readonly Flag TrustedSshAllowedSignersFile = F("trusted-ssh-allowed-signers-file", FlagType.String, "", "An SSH allowed-signers file (git's gpg.ssh.allowedSignersFile format) whose keys --verify-signatures trusts; re-read when it changes.", "trust") with { Env = ["GITSYNC_TRUSTED_SSH_ALLOWED_SIGNERS_FILE"], Shown = new Shown("signatures.sshAllowedSignersFile", o => o.Signatures.SshAllowedSignersFile) };

    // Credentials.
    public static readonly Flag Username = F("username", FlagType.String, "", "The username for HTTP(S) authentication (password from $GITSYNC_PASSWORD or --password-file).", "auth") with { Shown = new Shown("auth.username", o => o.Auth.Username) };
    public static readonly Flag PasswordFile = F("password-file", FlagType.String, "", "A file holding the password for --username; re-read before every sync.", "auth") with { Shown = new Shown("auth.password", o => o.Auth.Password is not null ? "(set)" : o.Auth.PasswordFile is { } file ? "file " + file : null) };
    public static readonly Flag Credential = F("credential", FlagType.List, "", "Per-URL credentials as JSON ({\"url\",\"username\",\"password\"|\"password-file\"} or a list of them); repeatable.", "auth") with { Env = ["GITSYNC_CREDENTIAL"], Shown = new Shown("auth.credentials", o => o.Auth.Credentials.Select(c => $"{Redactor.RedactUrlPasswords(c.Url)} as {c.Username}")) };
    public static readonly Flag AskpassUrl = F("askpass-url", FlagType.String, "", "A URL answering username=... and password=... lines, called before every sync.", "auth", "GIT_ASKPASS_URL") with { Shown = new Shown("auth.askpassUrl", o => o.Auth.AskpassUrl is { } url ? Redactor.RedactUrlPasswords(url) : null) };
    public static readonly Flag CookieFile = F("cookie-file", FlagType.Bool, "false", "Use /etc/git-secret/cookie_file as git's HTTP cookie file.", "auth", "GIT_COOKIE_FILE") with { Shown = new Shown("auth.cookieFile", o => o.Auth.CookieFile) };
    public static readonly Flag SshKeyFile = F("ssh-key-file", FlagType.List, "/etc/git-secret/ssh", "An SSH private key; repeatable (':'-separated in the environment).", "auth", "GIT_SSH_KEY_FILE") with { Shown = new Shown("auth.sshKeyFiles", o => o.Auth.SshKeyFiles) };
    public static readonly Flag SshKnownHosts = F("ssh-known-hosts", FlagType.Bool, "true", "Check the SSH host key against --ssh-known-hosts-file.", "auth", "GIT_KNOWN_HOSTS", "GIT_SYNC_KNOWN_HOSTS") with { Shown = new Shown("auth.sshKnownHosts", o => o.Auth.SshKnownHosts) };
    public static readonly Flag SshKnownHostsFile = F("ssh-known-hosts-file", FlagType.String, "/etc/git-secret/known_hosts", "The known_hosts file for SSH.", "auth", "GIT_SSH_KNOWN_HOSTS_FILE") with { Shown = new Shown("auth.sshKnownHostsFile", o => o.Auth.SshKnownHostsFile) };
    public static readonly Flag GithubBaseUrl = F("github-base-url", FlagType.String, "https://api.github.com/", "The GitHub API base URL for GitHub App authentication.", "auth") with { Env = ["GITSYNC_GITHUB_BASE_URL"], Shown = new Shown("auth.githubBaseUrl", o => o.Auth.GitHubBaseUrl) };
    public static readonly Flag GithubAppPrivateKeyFile = F("github-app-private-key-file", FlagType.String, "", "The GitHub App's private key (or $GITSYNC_GITHUB_APP_PRIVATE_KEY).", "auth") with { Env = ["GITSYNC_GITHUB_APP_PRIVATE_KEY_FILE"], Shown = GitHubApp };
    public static readonly Flag GithubAppApplicationId = F("github-app-application-id", FlagType.Int, "0", "The GitHub App's application id.", "auth") with { Env = ["GITSYNC_GITHUB_APP_APPLICATION_ID"], Shown = GitHubApp };
    public static readonly Flag GithubAppClientId = F("github-app-client-id", FlagType.String, "", "The GitHub App's client id.", "auth") with { Env = ["GITSYNC_GITHUB_APP_CLIENT_ID"], Shown = GitHubApp };
    public static readonly Flag GithubAppInstallationId = F("github-app-installation-id", FlagType.Int, "0", "The GitHub App installation id.", "auth") with { Env = ["GITSYNC_GITHUB_APP_INSTALLATION_ID"], Shown = GitHubApp };
    public static readonly Flag AddUser = F("add-user", FlagType.Bool, "false", "Add an /etc/passwd entry for the current UID if it has none (ssh needs one).", "auth") with { Shown = new Shown("addUser", o => o.AddUser) };

    // git itself.
    public static readonly Flag Git = F("git", FlagType.String, "git", "The git executable to run.", "git") with { Shown = new Shown("git", o => o.Git.Path) };
    public static readonly Flag GitConfig = F("git-config", FlagType.String, "", "Extra git config as 'key:value,key:value' (quote with \", escape \\n \\t \\\" \\, \\\\).", "git") with { Shown = GitConfigKeys };
    public static readonly Flag GitConfigAdd = F("git-config-add", FlagType.List, "", "One extra git config entry 'key:value'; repeatable.", "git") with { Env = ["GITSYNC_GIT_CONFIG_ADD"], Shown = GitConfigKeys };
    public static readonly Flag GitGc = F("git-gc", FlagType.String, "always", "Garbage collection after worktrees are removed: auto, always, aggressive or off.", "git") with { Shown = new Shown("gitGc", o => o.Sync.GitGc) };

    // HTTP endpoint.
    public static readonly Flag HttpBind = F("http-bind", FlagType.String, "", "Serve HTTP on this address:port (':1234' for all interfaces): / answers 200 once synced, /status the sync state as JSON.", "http") with { Shown = new Shown("httpBind", o => o.Http.Bind) };
    public static readonly Flag HttpMetrics = F("http-metrics", FlagType.Bool, "false", "Serve Prometheus metrics at /metrics (needs --http-bind).", "http") with { Shown = new Shown("httpMetrics", o => o.Http.Metrics) };
    public static readonly Flag HttpPprof = F("http-pprof", FlagType.Bool, "false", "Serve runtime diagnostics under /debug/pprof/ (needs --http-bind).", "http") with { Shown = new Shown("httpPprof", o => o.Http.Pprof) };
    public static readonly Flag HttpMaxConnections = F("http-max-connections", FlagType.Int, "512", "The most HTTP connections open at once. When all are taken, a new connection closes the one idle the longest (waiting for a request for at least 1s), or is refused.", "http") with { Env = ["GITSYNC_HTTP_MAX_CONNECTIONS"], Shown = new Shown("httpLimits.maxConnections", o => o.Http.Limits.MaxConnections) };
    public static readonly Flag HttpHeaderTimeout = F("http-header-timeout", FlagType.Duration, "10s", "The longest a client may take to send a request line and its headers; slower connections are closed.", "http") with { Env = ["GITSYNC_HTTP_HEADER_TIMEOUT"], Shown = new Shown("httpLimits.headerTimeout", o => o.Http.Limits.HeaderTimeout) };
    public static readonly Flag HttpMaxHeaderBytes = F("http-max-header-bytes", FlagType.Int, "16384", "The largest request headers accepted, all together; larger ones are answered 431.", "http") with { Env = ["GITSYNC_HTTP_MAX_HEADER_BYTES"], Shown = new Shown("httpLimits.maxHeaderBytes", o => o.Http.Limits.MaxHeaderBytes) };
    public static readonly Flag HttpKeepaliveTimeout = F("http-keepalive-timeout", FlagType.Duration, "75s", "How long an idle HTTP connection stays open for its next request. Keep it longer than the idle timeout of any proxy in front.", "http") with { Env = ["GITSYNC_HTTP_KEEPALIVE_TIMEOUT"], Shown = new Shown("httpLimits.keepAliveTimeout", o => o.Http.Limits.KeepAliveTimeout) };
    public static readonly Flag MaxStaleness = F("max-staleness", FlagType.Duration, "0", "Once synced, / answers 503 while the last successful sync is older than this (0: never). /livez fails only when the sync loop is wedged.", "http") with { Env = ["GITSYNC_MAX_STALENESS"], Shown = new Shown("maxStaleness", o => o.Http.MaxStaleness) };
    public static readonly Flag PushTriggerSecretFile = F("push-trigger-secret-file", FlagType.String, "", "Accept push webhooks at POST /trigger (needs --http-bind): a push that can move --ref syncs at once. Requests must carry X-Hub-Signature-256 (GitHub, Gitea, Forgejo), X-Gitlab-Token (GitLab) or Authorization: Bearer made with a secret from this file (one per line; re-read when it changes).", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_SECRET_FILE"], Shown = PushTriggerOn };
    public static readonly Flag PushTriggerInsecureNoAuth = F("push-trigger-insecure-no-auth", FlagType.Bool, "false", "INSECURE: accept POST /trigger without any authentication, from anyone who can reach --http-bind. Use --push-trigger-secret-file instead.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_INSECURE_NO_AUTH"], Shown = PushTriggerOn };
    public static readonly Flag PushTriggerMaxBodyBytes = F("push-trigger-max-body-bytes", FlagType.Int, "1048576", "The largest request body /trigger reads; larger ones are answered 413.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_MAX_BODY_BYTES"], Shown = new Shown("pushTriggerLimits.maxBodyBytes", o => o.Http.PushTrigger?.MaxBodyBytes) };
    public static readonly Flag PushTriggerRateLimit = F("push-trigger-rate-limit", FlagType.Int, "5", "/trigger requests per second accepted from one source address after its burst (IPv6: per /64); more are answered 429. 0 turns the limit off.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_RATE_LIMIT"], Shown = new Shown("pushTriggerLimits.rateLimit", o => o.Http.PushTrigger?.RatePerSecond) };
    public static readonly Flag PushTriggerBurst = F("push-trigger-burst", FlagType.Int, "50", "/trigger requests one source address may send at once before --push-trigger-rate-limit applies.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_BURST"], Shown = new Shown("pushTriggerLimits.burst", o => o.Http.PushTrigger?.Burst) };
    public static readonly Flag PushTriggerPeers = F("push-trigger-peers", FlagType.String, "", "Other replicas to pass each authenticated /trigger request on to, as a comma-separated list of HOST:PORT ([::1]:8080 for IPv6); a name is resolved at every forward, so a headless Service reaches every pod. Forwards carry the original credentials and body, run in the background, and are never forwarded again.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_PEERS"], Shown = new Shown("pushTriggerPeers", o => o.Http.PushTrigger?.Peers.Select(p => p.ToString()).ToArray() ?? []) };

    // Output.
    public static readonly Flag Verbose = F("verbose", FlagType.Int, "0", "Log verbosity: 0 updates, 2 the loop, 5 every git command, 6 their output, 9 tracing.", "output") with { Short = 'v', Env = ["GITSYNC_VERBOSE"], Shown = new Shown("verbosity", o => o.Verbosity) };
    public static readonly Flag Version = new Flag("version", FlagType.Bool, "false", "Print the version and exit.") { Section = "output" };
    public static readonly Flag Help = new Flag("help", FlagType.Bool, "false", "Print help and exit.") { Short = 'h', Section = "output" };
    public static readonly Flag Man = new Flag("man", FlagType.Bool, "false", "Print the full manual and exit.") { Section = "output" };
    public static readonly Flag Check = new Flag("check", FlagType.Bool, "false", "Validate the flags and environment, print the effective configuration as JSON (secrets masked) and exit: 0 if valid, 1 if not.") { Section = "output" };
    public static readonly Flag Probe = new Flag("probe", FlagType.Bool, "false", "With --check, run where the sync will run: also check the SSH key files, the known_hosts entry of the repo's host, that the host name resolves and that its port answers.") { Section = "output" };

    // v3 spellings: accepted, warned about, mapped onto their replacements.
    public static readonly Flag Branch = Fold("branch", FlagType.String, Ref, FoldWhen.NotEmpty, "The branch to sync (v3).", "GIT_SYNC_BRANCH");
    public static readonly Flag Rev = Fold("rev", FlagType.String, Ref, FoldWhen.NotEmpty, "The revision to sync (v3).", "GIT_SYNC_REV");
    public static readonly Flag Dest = Fold("dest", FlagType.String, Link, FoldWhen.NotEmpty, "The link name (v3).", "GIT_SYNC_DEST");
    public static readonly Flag Wait = Fold("wait", FlagType.FloatSeconds, Period, FoldWhen.Set, "Seconds between syncs (v3).", "GIT_SYNC_WAIT");
    public static readonly Flag Timeout = Fold("timeout", FlagType.IntSeconds, SyncTimeout, FoldWhen.Set, "Seconds one sync may take (v3).", "GIT_SYNC_TIMEOUT");
    public static readonly Flag MaxSyncFailures = Fold("max-sync-failures", FlagType.Int, MaxFailures, FoldWhen.NotEmpty, "Failures tolerated (v3).", "GIT_SYNC_MAX_SYNC_FAILURES");
    public static readonly Flag SyncHookCommand = Fold("sync-hook-command", FlagType.String, ExechookCommand, FoldWhen.NotEmpty, "The exec hook (v3).", "GIT_SYNC_HOOK_COMMAND");
    public static readonly Flag Password = Old("password", FlagType.String, "$GITSYNC_PASSWORD or --password-file", "The password (v3; visible in process listings).", "GIT_SYNC_PASSWORD");
    public static readonly Flag V = Fold("v", FlagType.Int, Verbose, FoldWhen.Set, "Log verbosity (v3).") with { ReplacedBy = "-v" };
    public static readonly Flag Ssh = Old("ssh", FlagType.Bool, "nothing (SSH is detected from the URL)", "Use SSH (v3; ignored).", "GIT_SYNC_SSH");
    public static readonly Flag ChangePermissions = Old("change-permissions", FlagType.Int, "--group-write", "Change permissions (v3; no longer supported).", "GIT_SYNC_PERMISSIONS");

    /// <summary>Every flag, in the order --help lists them.</summary>
    public static IReadOnlyList<Flag> All { get; } =
    [
        Repo,
        Ref,
        RefSemver,
        Depth,
        Submodules,
        SparseCheckoutFile,
        Filter,
        Root,
        Link,
        Publish,
        MarkerFile,
        GroupWrite,
        StaleWorktreeTimeout,
        RecycleWorktrees,
        TouchFile,
        ErrorFile,
        Period,
        InitPeriod,
        SyncTimeout,
        OneTime,
        MaxFailures,
        InitMaxFailures,
        SyncOnSignal,
        ExechookCommand,
        ExechookTimeout,
        ExechookBackoff,
        PrePublishExechookCommand,
        PrePublishExechookTimeout,
        PrePublishExechookBackoff,
        WebhookUrl,
        WebhookMethod,
        WebhookSuccessStatus,
        WebhookTimeout,
        WebhookBackoff,
        VerifySignatures,
        TrustedGpgKeyringFile,
        TrustedSshAllowedSignersFile,
        Username,
        PasswordFile,
        Credential,
        AskpassUrl,
        CookieFile,
        SshKeyFile,
        SshKnownHosts,
        SshKnownHostsFile,
        GithubBaseUrl,
        GithubAppPrivateKeyFile,
        GithubAppApplicationId,
        GithubAppClientId,
        GithubAppInstallationId,
        AddUser,
        Git,
        GitConfig,
        GitConfigAdd,
        GitGc,
        HttpBind,
        HttpMetrics,
        HttpPprof,
        HttpMaxConnections,
        HttpHeaderTimeout,
        HttpMaxHeaderBytes,
        HttpKeepaliveTimeout,
        MaxStaleness,
        PushTriggerSecretFile,
        PushTriggerInsecureNoAuth,
        PushTriggerMaxBodyBytes,
        PushTriggerRateLimit,
        PushTriggerBurst,
        PushTriggerPeers,
        Verbose,
        Version,
        Help,
        Man,
        Check,
        Probe,
        Branch,
        Rev,
        Dest,
        Wait,
        Timeout,
        MaxSyncFailures,
        SyncHookCommand,
        Password,
        V,
        Ssh,
        ChangePermissions,
    ];

    private static readonly Dictionary<string, Flag> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static Flag? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>Variables read only from the environment (secrets that must not be in argv).</summary>
    public static IReadOnlyList<string> EnvOnly { get; } = ["GITSYNC_PASSWORD", "GITSYNC_GITHUB_APP_PRIVATE_KEY"];

    public static Flag? FindShort(char c) => All.FirstOrDefault(f => f.Short == c);
}
