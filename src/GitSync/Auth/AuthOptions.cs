namespace GitSync.Auth;

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
