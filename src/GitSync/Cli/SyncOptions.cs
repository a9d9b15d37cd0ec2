namespace GitSync.Cli;

internal enum GcMode
{
    Auto,
    Always,
    Aggressive,
    Off,
}

internal enum SubmoduleMode
{
    Recursive,
    Shallow,
    Off,
}

/// <summary>A command hook (exec or pre-publish): what to run, how long it may take, how long to wait after a failure.</summary>
internal sealed record CommandHookOptions(string Command, TimeSpan Timeout, TimeSpan Backoff);

/// <summary>The webhook: where to call, with which method, what status means success.</summary>
internal sealed record WebhookOptions(string Url, string Method, int SuccessStatus, TimeSpan Timeout, TimeSpan Backoff);

/// <summary>
/// The push trigger (<c>POST /trigger</c>): the secret file (null only when running
/// unauthenticated was asked for explicitly), the body size limit, and the per-source rate limit.
/// </summary>
internal sealed record PushTriggerOptions(string? SecretFile, int MaxBodyBytes, int RatePerSecond, int Burst)
{
    /// <summary><c>--push-trigger-peers</c>: where authenticated deliveries are forwarded (empty: nowhere).</summary>
    public IReadOnlyList<Http.PeerAddress> Peers { get; init; } = [];
}

/// <summary>
/// The HTTP server's limits that a deployment may need to change (the fixed ones live in
/// <c>Http.HttpEndpoint</c>; all are listed in docs/operations.md).
/// </summary>
/// <param name="MaxConnections">Connections served at once.</param>
/// <param name="HeaderTimeout">How long a client may take to send a request's line and headers.</param>
/// <param name="MaxHeaderBytes">The largest request headers accepted, all together.</param>
/// <param name="KeepAliveTimeout">How long an idle connection is kept open for its next request.</param>
internal sealed record HttpLimits(int MaxConnections, TimeSpan HeaderTimeout, int MaxHeaderBytes, TimeSpan KeepAliveTimeout)
{
    public static HttpLimits Default { get; } = new(512, TimeSpan.FromSeconds(10), 16 * 1024, TimeSpan.FromSeconds(75));
}

/// <summary>
/// Everything git-sync was told, validated once at start-up. Paths are absolute; durations and
/// budgets are resolved (init values default to steady-state ones); nothing reads flags or
/// environment variables after this is built.
/// </summary>
internal sealed record SyncOptions
{
    public required string Repo { get; init; }
    public required string Root { get; init; }
    public string Ref { get; init; } = "HEAD";
    /// <summary>Absolute path of the link (may be outside the root).</summary>
    public required string Link { get; init; }
    public int Depth { get; init; } = 1;
    public SubmoduleMode Submodules { get; init; } = SubmoduleMode.Recursive;
    public string? SparseCheckoutFile { get; init; }
    public string? Filter { get; init; }

    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan InitPeriod { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan StaleWorktreeTimeout { get; init; } = TimeSpan.Zero;
    public bool OneTime { get; init; }
    public int MaxFailures { get; init; }
    public int InitMaxFailures { get; init; }
    public int? SyncSignal { get; init; }

    public string? TouchFile { get; init; }
    public string? ErrorFile { get; init; }
    public bool GroupWrite { get; init; }
    public bool AddUser { get; init; }

    public string GitPath { get; init; } = "git";
    public IReadOnlyList<GitConfigEntry> GitConfig { get; init; } = [];
    public GcMode GitGc { get; init; } = GcMode.Always;

    public string? HttpBind { get; init; }
    public bool HttpMetrics { get; init; }
    public bool HttpPprof { get; init; }
    public PushTriggerOptions? PushTrigger { get; init; }
    public HttpLimits HttpLimits { get; init; } = HttpLimits.Default;
    /// <summary>--max-staleness: readiness fails when the last success is older; null when off.</summary>
    public TimeSpan? MaxStaleness { get; init; }
    public int Verbosity { get; init; }

    public CommandHookOptions? ExecHook { get; init; }
    public CommandHookOptions? PrePublishHook { get; init; }
    public WebhookOptions? Webhook { get; init; }

    public AuthOptions Auth { get; init; } = new();

    public Trust.SignatureOptions Signatures { get; init; } = new(Trust.SignatureMode.None, null, null);

    /// <summary>A full hash as the ref: once synced there is nothing more to poll for.</summary>
    public bool RefIsHash => GitRef.IsFullHash(Ref);
}

/// <summary>One user git config entry: <c>--git-config</c> sets (replaces), <c>--git-config-add</c> adds a value.</summary>
internal sealed record GitConfigEntry(string Key, string Value, bool Add);

/// <summary>One per-URL credential (<c>--credential</c>).</summary>
internal sealed record Credential(string Url, string Username, string? Password, string? PasswordFile);

/// <summary>Credential settings (spec §5).</summary>
internal sealed record AuthOptions
{
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? PasswordFile { get; init; }
    public IReadOnlyList<Credential> Credentials { get; init; } = [];
    public string? AskpassUrl { get; init; }
    public bool CookieFile { get; init; }
    public IReadOnlyList<string> SshKeyFiles { get; init; } = [];
    public bool SshKnownHosts { get; init; } = true;
    public string SshKnownHostsFile { get; init; } = "/etc/git-secret/known_hosts";
    public string GitHubBaseUrl { get; init; } = "https://api.github.com/";
    public string? GitHubAppPrivateKeyFile { get; init; }
    public string? GitHubAppPrivateKey { get; init; }
    public long GitHubAppApplicationId { get; init; }
    public string? GitHubAppClientId { get; init; }
    public long GitHubAppInstallationId { get; init; }
}

/// <summary>Facts about ref strings.</summary>
internal static class GitRef
{
    public static bool IsFullHash(string s) => (s.Length == 40 || s.Length == 64) && s.All(char.IsAsciiHexDigitLower);

    public static bool LooksLikeAbbreviatedHash(string s) => s.Length is >= 4 and < 40 && s.All(char.IsAsciiHexDigit);
}
