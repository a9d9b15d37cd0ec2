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

    private static Flag Old(string name, FlagType type, string replacedBy, string help, params string[] env)
        => new(name, type, "", help) { ReplacedBy = replacedBy, Env = env, Section = "deprecated" };

    public static IReadOnlyList<Flag> All { get; } =
    [
        // What to sync.
        F("repo", FlagType.String, "", "The git repository to sync: any URL git accepts (file://, https://, ssh://, user@host:path). Required.", "sync"),
        F("ref", FlagType.String, "HEAD", "The git revision to sync: a branch, a tag, a full commit hash, or HEAD (the remote's default branch).", "sync") with { Env = ["GITSYNC_REF"] },
        F("depth", FlagType.Int, "1", "Fetch at most this many commits of history; 0 means all history.", "sync"),
        F("submodules", FlagType.String, "recursive", "Submodule handling: recursive, shallow or off.", "sync"),
        F("sparse-checkout-file", FlagType.String, "", "A sparse-checkout file listing the paths to check out.", "sync"),
        F("filter", FlagType.String, "", "A partial-clone filter for fetches (e.g. blob:none).", "sync") with { Env = ["GITSYNC_FILTER"] },

        // Where it goes.
        F("root", FlagType.String, "", "git-sync's working directory: it holds the repo, the worktrees and (by default) the link. Required.", "layout"),
        F("link", FlagType.String, "", "The symlink to publish, relative to --root unless absolute; defaults to the last path element of --repo.", "layout"),
        F("group-write", FlagType.Bool, "false", "Make the synced files group-writable.", "layout"),
        F("stale-worktree-timeout", FlagType.Duration, "0", "How long an unpublished worktree is kept before it is removed.", "layout") with { Env = ["GITSYNC_STALE_WORKTREE_TIMEOUT"] },
        F("recycle-worktrees", FlagType.Bool, "true", "Build each new revision by updating the previous, unpublished tree in place (time proportional to the change; one spare tree on disk). false: a fresh checkout every time.", "layout"),
        F("touch-file", FlagType.String, "", "A file touched after each sync that changed something (relative to --root unless absolute).", "layout"),
        F("error-file", FlagType.String, "", "A file that holds the last sync error as JSON, removed after a successful sync (relative to --root unless absolute).", "layout"),

        // When.
        F("period", FlagType.Duration, "10s", "How long to wait between syncs; at least 10ms.", "loop"),
        F("init-period", FlagType.Duration, "", "The wait between attempts until the first successful sync; defaults to --period.", "loop") with { Env = ["GITSYNC_INIT_PERIOD"] },
        F("sync-timeout", FlagType.Duration, "120s", "The longest one sync may take; git and its children are killed after it. At least 10ms.", "loop"),
        F("one-time", FlagType.Bool, "false", "Sync once and exit: 0 on success, 1 on failure.", "loop"),
        F("max-failures", FlagType.Int, "0", "Consecutive failed syncs tolerated before exiting; negative retries forever.", "loop"),
        F("init-max-failures", FlagType.Int, "", "Consecutive failures tolerated before the first success; defaults to --max-failures.", "loop") with { Env = ["GITSYNC_INIT_MAX_FAILURES"] },
        F("sync-on-signal", FlagType.String, "", "A signal (name like SIGHUP or HUP, or a number) that starts a sync at once.", "loop"),

        // Hooks.
        F("exechook-command", FlagType.String, "", "A command run in the new worktree after each publish, with GITSYNC_HASH set.", "hooks"),
        F("exechook-timeout", FlagType.Duration, "30s", "The longest the exec hook may run.", "hooks"),
        F("exechook-backoff", FlagType.Duration, "3s", "The wait before retrying a failed exec hook.", "hooks"),
        F("pre-publish-exechook-command", FlagType.String, "", "A command run in the new worktree before the link moves; the link moves only once it succeeds.", "hooks") with { Env = ["GITSYNC_PRE_PUBLISH_EXECHOOK_COMMAND"] },
        F("pre-publish-exechook-timeout", FlagType.Duration, "30s", "The longest the pre-publish hook may run.", "hooks") with { Env = ["GITSYNC_PRE_PUBLISH_EXECHOOK_TIMEOUT"] },
        F("pre-publish-exechook-backoff", FlagType.Duration, "3s", "The wait before retrying a failed pre-publish hook.", "hooks") with { Env = ["GITSYNC_PRE_PUBLISH_EXECHOOK_BACKOFF"] },
        F("webhook-url", FlagType.String, "", "A URL called after each publish, with the hash in the Gitsync-Hash header.", "hooks"),
        F("webhook-method", FlagType.String, "POST", "The HTTP method of the webhook.", "hooks"),
        F("webhook-success-status", FlagType.Int, "200", "The status that means the webhook succeeded; 0 or -1: do not wait for an answer.", "hooks"),
        F("webhook-timeout", FlagType.Duration, "1s", "The longest to wait for the webhook's answer.", "hooks"),
        F("webhook-backoff", FlagType.Duration, "3s", "The wait before retrying a failed webhook.", "hooks"),

        // Trust.
        F("verify-signatures", FlagType.String, "none", "Publish only signed revisions: none; commit (the commit must carry a valid signature by a trusted key); tag (--ref must be an annotated tag with a valid signature by a trusted key). A revision that fails is not published and the sync counts as failed.", "trust") with { Env = ["GITSYNC_VERIFY_SIGNATURES"] },
        F("trusted-gpg-keyring-file", FlagType.String, "", "An OpenPGP public keyring (armored or binary) whose keys --verify-signatures trusts; re-read when it changes.", "trust") with { Env = ["GITSYNC_TRUSTED_GPG_KEYRING_FILE"] },
        F("trusted-ssh-allowed-signers-file", FlagType.String, "", "An SSH allowed-signers file (git's gpg.ssh.allowedSignersFile format) whose keys --verify-signatures trusts; re-read when it changes.", "trust") with { Env = ["GITSYNC_TRUSTED_SSH_ALLOWED_SIGNERS_FILE"] },

        // Credentials.
        F("username", FlagType.String, "", "The username for HTTP(S) authentication (password from $GITSYNC_PASSWORD or --password-file).", "auth"),
        F("password-file", FlagType.String, "", "A file holding the password for --username; re-read before every sync.", "auth"),
        F("credential", FlagType.List, "", "Per-URL credentials as JSON ({\"url\",\"username\",\"password\"|\"password-file\"} or a list of them); repeatable.", "auth") with { Env = ["GITSYNC_CREDENTIAL"] },
        F("askpass-url", FlagType.String, "", "A URL answering username=... and password=... lines, called before every sync.", "auth", "GIT_ASKPASS_URL"),
        F("cookie-file", FlagType.Bool, "false", "Use /etc/git-secret/cookie_file as git's HTTP cookie file.", "auth", "GIT_COOKIE_FILE"),
        F("ssh-key-file", FlagType.List, "/etc/git-secret/ssh", "An SSH private key; repeatable (':'-separated in the environment).", "auth", "GIT_SSH_KEY_FILE"),
        F("ssh-known-hosts", FlagType.Bool, "true", "Check the SSH host key against --ssh-known-hosts-file.", "auth", "GIT_KNOWN_HOSTS", "GIT_SYNC_KNOWN_HOSTS"),
        F("ssh-known-hosts-file", FlagType.String, "/etc/git-secret/known_hosts", "The known_hosts file for SSH.", "auth", "GIT_SSH_KNOWN_HOSTS_FILE"),
        F("github-base-url", FlagType.String, "https://api.github.com/", "The GitHub API base URL for GitHub App authentication.", "auth") with { Env = ["GITSYNC_GITHUB_BASE_URL"] },
        F("github-app-private-key-file", FlagType.String, "", "The GitHub App's private key (or $GITSYNC_GITHUB_APP_PRIVATE_KEY).", "auth") with { Env = ["GITSYNC_GITHUB_APP_PRIVATE_KEY_FILE"] },
        F("github-app-application-id", FlagType.Int, "0", "The GitHub App's application id.", "auth") with { Env = ["GITSYNC_GITHUB_APP_APPLICATION_ID"] },
        F("github-app-client-id", FlagType.String, "", "The GitHub App's client id.", "auth") with { Env = ["GITSYNC_GITHUB_APP_CLIENT_ID"] },
        F("github-app-installation-id", FlagType.Int, "0", "The GitHub App installation id.", "auth") with { Env = ["GITSYNC_GITHUB_APP_INSTALLATION_ID"] },
        F("add-user", FlagType.Bool, "false", "Add an /etc/passwd entry for the current UID if it has none (ssh needs one).", "auth"),

        // git itself.
        F("git", FlagType.String, "git", "The git executable to run.", "git"),
        F("git-config", FlagType.String, "", "Extra git config as 'key:value,key:value' (quote with \", escape \\n \\t \\\" \\, \\\\).", "git"),
        F("git-config-add", FlagType.List, "", "One extra git config entry 'key:value'; repeatable.", "git") with { Env = ["GITSYNC_GIT_CONFIG_ADD"] },
        F("git-gc", FlagType.String, "always", "Garbage collection after worktrees are removed: auto, always, aggressive or off.", "git"),

        // HTTP endpoint.
        F("http-bind", FlagType.String, "", "Serve HTTP on this address:port (':1234' for all interfaces): / answers 200 once synced, /status the sync state as JSON.", "http"),
        F("http-metrics", FlagType.Bool, "false", "Serve Prometheus metrics at /metrics (needs --http-bind).", "http"),
        F("http-pprof", FlagType.Bool, "false", "Serve runtime diagnostics under /debug/pprof/ (needs --http-bind).", "http"),
        F("http-max-connections", FlagType.Int, "512", "The most HTTP connections open at once. When all are taken, a new connection closes the one idle the longest (waiting for a request for at least 1s), or is refused.", "http") with { Env = ["GITSYNC_HTTP_MAX_CONNECTIONS"] },
        F("http-header-timeout", FlagType.Duration, "10s", "The longest a client may take to send a request line and its headers; slower connections are closed.", "http") with { Env = ["GITSYNC_HTTP_HEADER_TIMEOUT"] },
        F("http-max-header-bytes", FlagType.Int, "16384", "The largest request headers accepted, all together; larger ones are answered 431.", "http") with { Env = ["GITSYNC_HTTP_MAX_HEADER_BYTES"] },
        F("http-keepalive-timeout", FlagType.Duration, "75s", "How long an idle HTTP connection stays open for its next request. Keep it longer than the idle timeout of any proxy in front.", "http") with { Env = ["GITSYNC_HTTP_KEEPALIVE_TIMEOUT"] },
        F("max-staleness", FlagType.Duration, "0", "Once synced, / answers 503 while the last successful sync is older than this (0: never). /livez fails only when the sync loop is wedged.", "http") with { Env = ["GITSYNC_MAX_STALENESS"] },
        F("push-trigger-secret-file", FlagType.String, "", "Accept push webhooks at POST /trigger (needs --http-bind): a push that can move --ref syncs at once. Requests must carry X-Hub-Signature-256 (GitHub, Gitea, Forgejo), X-Gitlab-Token (GitLab) or Authorization: Bearer made with a secret from this file (one per line; re-read when it changes).", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_SECRET_FILE"] },
        F("push-trigger-insecure-no-auth", FlagType.Bool, "false", "INSECURE: accept POST /trigger without any authentication, from anyone who can reach --http-bind. Use --push-trigger-secret-file instead.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_INSECURE_NO_AUTH"] },
        F("push-trigger-max-body-bytes", FlagType.Int, "1048576", "The largest request body /trigger reads; larger ones are answered 413.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_MAX_BODY_BYTES"] },
        F("push-trigger-rate-limit", FlagType.Int, "5", "/trigger requests per second accepted from one source address after its burst (IPv6: per /64); more are answered 429. 0 turns the limit off.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_RATE_LIMIT"] },
        F("push-trigger-burst", FlagType.Int, "50", "/trigger requests one source address may send at once before --push-trigger-rate-limit applies.", "http") with { Env = ["GITSYNC_PUSH_TRIGGER_BURST"] },

        // Output.
        F("verbose", FlagType.Int, "0", "Log verbosity: 0 updates, 2 the loop, 5 every git command, 6 their output, 9 tracing.", "output") with { Short = 'v', Env = ["GITSYNC_VERBOSE"] },
        new Flag("version", FlagType.Bool, "false", "Print the version and exit.") { Section = "output" },
        new Flag("help", FlagType.Bool, "false", "Print help and exit.") { Short = 'h', Section = "output" },
        new Flag("man", FlagType.Bool, "false", "Print the full manual and exit.") { Section = "output" },
        new Flag("check", FlagType.Bool, "false", "Validate the flags and environment, print the effective configuration as JSON (secrets masked) and exit: 0 if valid, 1 if not.") { Section = "output" },

        // v3 spellings: accepted, warned about, mapped onto their replacements.
        Old("branch", FlagType.String, "--ref", "The branch to sync (v3).", "GIT_SYNC_BRANCH"),
        Old("rev", FlagType.String, "--ref", "The revision to sync (v3).", "GIT_SYNC_REV"),
        Old("dest", FlagType.String, "--link", "The link name (v3).", "GIT_SYNC_DEST"),
        Old("wait", FlagType.FloatSeconds, "--period", "Seconds between syncs (v3).", "GIT_SYNC_WAIT"),
        Old("timeout", FlagType.IntSeconds, "--sync-timeout", "Seconds one sync may take (v3).", "GIT_SYNC_TIMEOUT"),
        Old("max-sync-failures", FlagType.Int, "--max-failures", "Failures tolerated (v3).", "GIT_SYNC_MAX_SYNC_FAILURES"),
        Old("sync-hook-command", FlagType.String, "--exechook-command", "The exec hook (v3).", "GIT_SYNC_HOOK_COMMAND"),
        Old("password", FlagType.String, "$GITSYNC_PASSWORD or --password-file", "The password (v3; visible in process listings).", "GIT_SYNC_PASSWORD"),
        Old("v", FlagType.Int, "-v", "Log verbosity (v3)."),
        Old("ssh", FlagType.Bool, "nothing (SSH is detected from the URL)", "Use SSH (v3; ignored).", "GIT_SYNC_SSH"),
        Old("change-permissions", FlagType.Int, "--group-write", "Change permissions (v3; no longer supported).", "GIT_SYNC_PERMISSIONS"),
    ];

    private static readonly Dictionary<string, Flag> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static Flag? Find(string name) => ByName.GetValueOrDefault(name);

    public static Flag? FindShort(char c) => All.FirstOrDefault(f => f.Short == c);
}
