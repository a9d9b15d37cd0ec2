using System.Text;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Platform;

namespace GitSync.Auth;

/// <summary>
/// Everything credential-shaped (spec §5), behind two calls: <see cref="ConfigureEnvironment"/>
/// once at start-up (SSH command, cookie file, credential helper config) and
/// <see cref="RefreshAsync"/> before every sync (password file re-read, askpass URL, GitHub App
/// token, per-URL credentials fed to <c>git credential approve</c>).
/// </summary>
/// <remarks>
/// Secrets live in git-sync's memory and in git's credential-cache daemon, which listens in the
/// private 0700 directory outside <c>--root</c>. They reach git only on the stdin of
/// <c>git credential approve</c>: never in an argument list, never in a child's environment.
/// </remarks>
internal sealed class CredentialSetup : IAsyncDisposable
{
    /// <summary>The fixed path upstream uses for <c>--cookie-file</c>.</summary>
    public const string CookieFilePath = "/etc/git-secret/cookie_file";

    /// <summary>Environment variables that carry secrets into git-sync; children must not inherit them.</summary>
    private static readonly string[] SecretEnvironment =
        ["GITSYNC_PASSWORD", "GIT_SYNC_PASSWORD", "GITSYNC_GITHUB_APP_PRIVATE_KEY", "GITSYNC_CREDENTIAL"];

    private readonly AuthOptions _auth;
    private readonly Log _log;
    private readonly SyncMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly GitCredentialCache _cache;
    private bool _force = true;
    private readonly HttpClient? _http;
    private readonly AskpassClient? _askpass;
    private readonly GitHubApp? _gitHubApp;
    private readonly (string Username, string Password)? _urlCredential;
    private GitHubAppToken? _appToken;
    private GitCli? _git;
    private IDictionary<string, string>? _environment;

    /// <param name="repo">--repo, as given (it may carry a credential).</param>
    /// <param name="syncTimeout">The sync timeout; with <paramref name="longestWait"/>, how long a stored credential must last.</param>
    /// <param name="longestWait">The longest wait between syncs.</param>
    public CredentialSetup(AuthOptions auth, string repo, TimeSpan syncTimeout, TimeSpan longestWait, Log log, SyncMetrics? metrics, string privateDirectory, TimeProvider? time = null)
    {
        _auth = auth;
        _log = log;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;

        // https://user:pass@host/… or https://TOKEN@host/…: the user part goes to the credential
        // cache, and the URL git is given (argv, origin in .git/config under --root, /status)
        // carries no secret.
        var (url, username, password) = RepoUrl.SplitCredentials(repo);
        Repo = url;
        if (username is not null && password is not null && (username.Length > 0 || password.Length > 0))
        {
            log.Redactor.AddSecret(password);
            if (password.Length == 0)
            {
                // A user part without a password is a token by convention: mask it wherever it
                // might surface (our own credential log line, git's messages).
                log.Redactor.AddSecret(username);
            }
            _urlCredential = (username, password);
        }

        _cache = new GitCredentialCache(privateDirectory, syncTimeout + longestWait + TimeSpan.FromMinutes(1), log, _time);
        SshSharing = SshConnections.Create(privateDirectory, longestWait, log.Verbosity);

        if (_auth.AskpassUrl is not null || IsGitHubApp)
        {
            _http = OutboundHttp.Create();
        }
        if (_auth.AskpassUrl is { } askpassUrl)
        {
            _askpass = new AskpassClient(_http!, askpassUrl);
        }
        if (IsGitHubApp)
        {
            _gitHubApp = new GitHubApp(_http!, _auth, _time);
        }
    }

    /// <summary>The repository URL to give git: <c>--repo</c> without the user part of an http(s) URL.</summary>
    public string Repo { get; }

    /// <summary>SSH connection sharing, or null when it is off (see <see cref="SshConnections.Create"/>).</summary>
    public SshConnections? SshSharing { get; }

    private bool IsGitHubApp => _auth.GitHubAppInstallationId != 0;

    /// <summary>Adds what git needs to the environment of every git child, and validates files.</summary>
    public void ConfigureEnvironment(IDictionary<string, string> environment)
    {
        // git-sync has read these already; no git, ssh or hook should inherit them.
        foreach (var name in SecretEnvironment)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        var callerCommand = Environment.GetEnvironmentVariable("GIT_SSH_COMMAND");
        var keyFiles = SshCommand.KeyFiles(_auth, callerCommand);
        if (RepoUrl.IsSsh(Repo))
        {
            // Submodules may use SSH too, but only for an SSH --repo do we know the files are
            // needed, so only then is a missing one an error (upstream never checks).
            foreach (var key in keyFiles)
            {
                RequireReadable(key, "--ssh-key-file", "SSH key file");
            }
            if (_auth.SshKnownHosts)
            {
                RequireReadable(_auth.SshKnownHostsFile, "--ssh-known-hosts-file", "SSH known_hosts file");
            }
        }
        var sshCommand = SshCommand.Build(_auth, callerCommand, _log.Verbosity, keyFiles, SshSharing);
        environment["GIT_SSH_COMMAND"] = sshCommand;
        _environment = environment;
        _log.Info(2, "set up git SSH", ("GIT_SSH_COMMAND", sshCommand));

        if (_auth.CookieFile)
        {
            RequireReadable(CookieFilePath, "--cookie-file", "git cookie file");
        }
    }

    /// <summary>Extra <c>git config</c> entries git-sync writes at start-up (before the user's).</summary>
    public IEnumerable<(string Key, string Value)> GitConfig()
    {
        yield return ("credential.helper", _cache.HelperConfig);
        if (_auth.CookieFile)
        {
            yield return ("http.cookiefile", CookieFilePath);
        }
    }

    /// <summary>
    /// Runs before every sync, inside its timeout. A failure fails that sync.
    /// <paramref name="force"/> (first sync, or the previous sync failed) stores every
    /// credential again even if unchanged.
    /// </summary>
    public async Task RefreshAsync(GitCli git, bool force, CancellationToken ct)
    {
        _git = git;
        _force = force;

        // Sources are read every time: a rotated password file is picked up at once; the cache
        // is refreshed before its entries expire, and after a failure (git drops a credential
        // from the cache when the server rejects it).
        if (_auth.Username is { } username)
        {
            var password = _auth.Password ?? ReadPasswordFile(_auth.PasswordFile!, "--password-file");
            await ApproveForRepoAsync(git, username, password, ct).ConfigureAwait(false);
        }
        else if (_urlCredential is { } fromUrl)
        {
            await ApproveForRepoAsync(git, fromUrl.Username, fromUrl.Password, ct).ConfigureAwait(false);
        }

        foreach (var credential in _auth.Credentials)
        {
            var password = credential.Password ?? ReadPasswordFile(credential.PasswordFile!, "--credential");
            await _cache.ApproveAsync(git, credential.Url, credential.Username, password, _force, ct).ConfigureAwait(false);
        }

        if (_askpass is not null)
        {
            await RefreshFromAskpassAsync(git, ct).ConfigureAwait(false);
        }

        if (_gitHubApp is not null)
        {
            await RefreshGitHubAppTokenAsync(git, ct).ConfigureAwait(false);
        }
    }

    private async Task RefreshFromAskpassAsync(GitCli git, CancellationToken ct)
    {
        _log.Info(3, "calling askpass URL to get credentials", ("url", _auth.AskpassUrl));
        try
        {
            var (username, password) = await _askpass!.FetchAsync(ct).ConfigureAwait(false);
            _log.Redactor.AddSecret(password);
            await ApproveForRepoAsync(git, username, password, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _metrics?.AskpassCall(false);
            throw;
        }
        _metrics?.AskpassCall(true);
    }

    private async Task RefreshGitHubAppTokenAsync(GitCli git, CancellationToken ct)
    {
        if (_appToken is null || _appToken.NeedsRefresh(_time.GetUtcNow()))
        {
            _log.Info(3, "refreshing GitHub App token", ("endpoint", _gitHubApp!.TokenEndpoint.ToString()));
            try
            {
                var token = await _gitHubApp!.RequestTokenAsync(jwt => _log.Redactor.AddSecret(jwt), ct).ConfigureAwait(false);
                _log.Redactor.AddSecret(token.Token);
                _appToken = token;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _metrics?.GitHubAppTokenRefresh(false);
                throw;
            }
            _metrics?.GitHubAppTokenRefresh(true);
            _log.Info(1, "refreshed GitHub App token", ("expiresAt", _appToken.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        }
        await ApproveForRepoAsync(git, GitHubApp.Username, _appToken.Token, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a credential for --repo. A path or scp-like address has no scheme for git's
    /// credential protocol (and never asks for a password), so there is nothing to store.
    /// </summary>
    private Task ApproveForRepoAsync(GitCli git, string username, string password, CancellationToken ct)
    {
        if (!Repo.Contains("://", StringComparison.Ordinal))
        {
            _log.Redactor.AddSecret(password);
            _log.Info(3, "not storing a credential for a repo that is not a URL", ("repo", Repo));
            return Task.CompletedTask;
        }
        return _cache.ApproveAsync(git, Repo, username, password, _force, ct);
    }

    /// <summary>The file's bytes as they are (no trimming: a token may end in a space).</summary>
    private string ReadPasswordFile(string path, string flag)
    {
        try
        {
            var password = Encoding.UTF8.GetString(File.ReadAllBytes(path));
            _log.Redactor.AddSecret(password);
            _log.Redactor.AddSecret(password.TrimEnd('\n', '\r'));
            return password;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"can't read the password file {path} ({flag}): {Reason(e, path)}", e);
        }
    }

    private static void RequireReadable(string path, string flag, string what)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw new ConfigException($"invalid flag: {flag}: the {what} {path} is a directory");
            }
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"invalid flag: {flag}: can't read the {what} {path}: {Reason(e, path)}");
        }
    }

    private static string Reason(Exception e, string path) => Platform.IoErrors.Reason(e, path);

    public async ValueTask DisposeAsync()
    {
        if (_git is not null)
        {
            await _cache.StopAsync(_git).ConfigureAwait(false);
        }
        if (SshSharing is not null && _environment is not null)
        {
            await SshSharing.CloseAsync(new Dictionary<string, string>(_environment, StringComparer.Ordinal)).ConfigureAwait(false);
        }
        _http?.Dispose();
    }
}
