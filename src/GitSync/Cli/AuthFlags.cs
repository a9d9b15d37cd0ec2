using System.Text.Json;
using GitSync.Auth;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>Flags of credentials (password, per-URL, askpass, SSH, GitHub App), validated into <see cref="AuthOptions"/>.</summary>
internal static class AuthFlags
{
    public static AuthOptions Read(FlagValues f, string repo)
    {
        var username = f.StrOrNull(FlagTable.Username);
        var password = f.EnvOnly("GITSYNC_PASSWORD");
        // v3's --password: a secret in argv, still honoured (and warned about) for old manifests.
        if (f.IsSet(FlagTable.Password) && f.Given(FlagTable.Password)!.Last.Length > 0)
        {
            password = f.Given(FlagTable.Password)!.Last;
        }
        var passwordFile = f.StrOrNull(FlagTable.PasswordFile);
        CheckPassword(username, password, passwordFile, repo);

        var credentials = new List<Credential>();
        foreach (var text in f.List(FlagTable.Credential))
        {
            credentials.AddRange(ParseCredentials(text));
        }
        var keyFiles = f.IsSet(FlagTable.SshKeyFile) ? f.List(FlagTable.SshKeyFile).ToList() : ["/etc/git-secret/ssh"];

        var options = new AuthOptions
        {
            Username = username,
            Password = password,
            PasswordFile = passwordFile,
            Credentials = credentials,
            AskpassUrl = f.StrOrNull(FlagTable.AskpassUrl),
            CookieFile = f.Bool(FlagTable.CookieFile),
            SshKeyFiles = keyFiles,
            SshKnownHosts = f.Bool(FlagTable.SshKnownHosts),
            SshKnownHostsFile = f.Str(FlagTable.SshKnownHostsFile),
            GitHubBaseUrl = f.Str(FlagTable.GithubBaseUrl),
            GitHubAppPrivateKeyFile = f.StrOrNull(FlagTable.GithubAppPrivateKeyFile),
            GitHubAppPrivateKey = f.EnvOnly("GITSYNC_GITHUB_APP_PRIVATE_KEY"),
            GitHubAppApplicationId = f.Long(FlagTable.GithubAppApplicationId),
            GitHubAppClientId = f.StrOrNull(FlagTable.GithubAppClientId),
            GitHubAppInstallationId = f.Long(FlagTable.GithubAppInstallationId),
        };
        CheckGitHubApp(options);
        return options;
    }

    private static void CheckPassword(string? username, string? password, string? passwordFile, string repo)
    {
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
            if (RepoUrl.HasCredentials(repo))
            {
                throw new ConfigException("invalid flag: credentials may be specified in --repo or with --username, not both");
            }
            return;
        }
        if (password is not null)
        {
            throw new ConfigException("invalid flag: $GITSYNC_PASSWORD may only be specified when --username is specified");
        }
        if (passwordFile is not null)
        {
            throw new ConfigException("invalid flag: --password-file may only be specified when --username is specified");
        }
    }

    private static void CheckGitHubApp(AuthOptions o)
    {
        var anyApp = o.GitHubAppPrivateKeyFile is not null || o.GitHubAppPrivateKey is not null || o.GitHubAppApplicationId != 0
            || o.GitHubAppClientId is not null || o.GitHubAppInstallationId != 0;
        if (!anyApp)
        {
            return;
        }
        if (o.GitHubAppPrivateKeyFile is null && o.GitHubAppPrivateKey is null)
        {
            throw new ConfigException("required flag: --github-app-private-key-file or $GITSYNC_GITHUB_APP_PRIVATE_KEY must be specified when GitHub App authentication is used");
        }
        if (o.GitHubAppPrivateKeyFile is not null && o.GitHubAppPrivateKey is not null)
        {
            throw new ConfigException("invalid flag: only one of --github-app-private-key-file and $GITSYNC_GITHUB_APP_PRIVATE_KEY may be specified");
        }
        if (o.GitHubAppApplicationId == 0 && o.GitHubAppClientId is null)
        {
            throw new ConfigException("required flag: --github-app-application-id or --github-app-client-id must be specified when GitHub App authentication is used");
        }
        if (o.GitHubAppApplicationId != 0 && o.GitHubAppClientId is not null)
        {
            throw new ConfigException("invalid flag: only one of --github-app-application-id and --github-app-client-id may be specified");
        }
        if (o.GitHubAppInstallationId == 0)
        {
            throw new ConfigException("required flag: --github-app-installation-id must be specified when GitHub App authentication is used");
        }
        if (o.Username is not null)
        {
            throw new ConfigException("invalid flag: --username may not be combined with GitHub App authentication");
        }
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
            return items.Select(ParseCredential).ToList();
        }
    }

    private static Credential ParseCredential(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigException("invalid flag: --credential must be a JSON object or a JSON list of objects");
        }
        string? Field(string name) => item.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s ? s : null;
        var url = Field("url") ?? throw new ConfigException("invalid flag: --credential: \"url\" must be specified");
        var user = Field("username") ?? throw new ConfigException("invalid flag: --credential: \"username\" must be specified");
        var pass = Field("password");
        var passFile = Field("password-file");
        if ((pass is null) == (passFile is null))
        {
            throw new ConfigException("invalid flag: --credential: exactly one of \"password\" and \"password-file\" must be specified");
        }
        return new Credential(url, user, pass, passFile);
    }
}
