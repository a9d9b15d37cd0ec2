namespace GitSync.Git;

/// <summary>
/// One kind of failure, with a stable snake_case name (a metric label, a field in the log, the
/// error file and <c>/status</c>, and a section of docs/troubleshooting.md) and a one-line hint
/// on what to check. The set is fixed: <see cref="All"/> lists every value a label can take.
/// </summary>
internal sealed class FailureClass
{
    private FailureClass(string name, string hint)
    {
        Name = name;
        Hint = hint;
    }

    public string Name { get; }

    /// <summary>What to check, in one short lowercase line.</summary>
    public string Hint { get; }

    public override string ToString() => Name;

    public static readonly FailureClass HttpAuthRefused = new("http_auth_refused",
        "the server refused the http credentials: check --username, --password-file, --credential or --askpass-url");
    public static readonly FailureClass SshAuthRefused = new("ssh_auth_refused",
        "the server refused every ssh key offered: check --ssh-key-file and that its public key may read the repo");
    public static readonly FailureClass SshHostKeyUnknown = new("ssh_host_key_unknown",
        "the server's host key is not in --ssh-known-hosts-file: add a verified known_hosts line for the host and port");
    public static readonly FailureClass SshHostKeyChanged = new("ssh_host_key_changed",
        "the server's host key differs from the one in --ssh-known-hosts-file: confirm the new key out of band before replacing the line");
    public static readonly FailureClass SshKeyUnusable = new("ssh_key_unusable",
        "an --ssh-key-file can't be used: it must exist, be readable by git-sync's user and have no passphrase");
    public static readonly FailureClass NameResolutionFailed = new("name_resolution_failed",
        "the host name does not resolve: check the host in --repo and the resolver (dns, /etc/resolv.conf)");
    public static readonly FailureClass ConnectionFailed = new("connection_failed",
        "nothing answered at the host and port: check the port in --repo, the server, firewalls and network policies");
    public static readonly FailureClass TlsUntrusted = new("tls_untrusted",
        "the server's tls certificate is not trusted: fix the certificate or trust its ca (--git-config=http.sslCAInfo:<file>)");
    public static readonly FailureClass ProxyFailed = new("proxy_failed",
        "the proxy failed: check https_proxy, http_proxy, no_proxy and http.proxy");
    public static readonly FailureClass RepoNotFound = new("repo_not_found",
        "the repository does not exist or this user may not read it: check the path in --repo and the account's access");
    public static readonly FailureClass RefNotFound = new("ref_not_found",
        "the remote has no such --ref: check its spelling and that it was pushed");
    public static readonly FailureClass ShallowFailed = new("shallow_failed",
        "the server can't serve this shallow fetch: try another --depth or --depth=0");
    public static readonly FailureClass PermissionDenied = new("permission_denied",
        "git-sync's user can't write under --root: check the volume's owner and mode (fsGroup, --group-write) and that it is not read-only");
    public static readonly FailureClass DiskFull = new("disk_full",
        "the file system under --root is full: give the volume more space or keep fewer old trees (--stale-worktree-timeout, --git-gc)");
    public static readonly FailureClass SparseCheckoutUnreadable = new("sparse_checkout_unreadable",
        "the --sparse-checkout-file can't be read: check that it is mounted at that path and readable by git-sync's user");
    public static readonly FailureClass SubmoduleFailed = new("submodule_failed",
        "a submodule failed: check its url in .gitmodules and the credentials for its host, or use --submodules=off");
    public static readonly FailureClass PrePublishRefused = new("pre_publish_refused",
        "the pre-publish hook refused this revision and the previous one is still served: see the hook's output");
    public static readonly FailureClass SignatureRefused = new("signature_refused",
        "the revision's signature was refused and the previous one is still served: check who signed it against the trusted keys");
    public static readonly FailureClass HookFailed = new("hook_failed",
        "a hook failed and is retried after its backoff: see the hook's output");
    public static readonly FailureClass SyncTimeout = new("sync_timeout",
        "the sync took longer than --sync-timeout: raise it, or look for a slow network or server, or a large fetch (--depth)");
    public static readonly FailureClass Other = new("other",
        "see the error text");

    /// <summary>Every class, in the order of docs/troubleshooting.md.</summary>
    public static IReadOnlyList<FailureClass> All { get; } =
    [
        HttpAuthRefused, SshAuthRefused, SshHostKeyUnknown, SshHostKeyChanged, SshKeyUnusable,
        NameResolutionFailed, ConnectionFailed, TlsUntrusted, ProxyFailed, RepoNotFound, RefNotFound,
        ShallowFailed, PermissionDenied, DiskFull, SparseCheckoutUnreadable, SubmoduleFailed,
        PrePublishRefused, SignatureRefused, HookFailed, SyncTimeout, Other,
    ];
}

/// <summary>A classified failure: its class, the hint for this case (the class's, or a sharper one) and the raw text.</summary>
internal sealed record Failure(FailureClass Class, string Hint, string Detail)
{
    public Failure(FailureClass @class, string detail)
        : this(@class, @class.Hint, detail)
    {
    }
}

/// <summary>An exception that knows its own class (raised by the program's own checks).</summary>
internal interface IClassifiedFailure
{
    FailureClass FailureClass { get; }

    /// <summary>A hint for this case; null for the class's own.</summary>
    string? FailureHint { get; }
}
