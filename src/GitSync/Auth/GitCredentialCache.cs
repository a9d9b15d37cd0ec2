using System.Globalization;
using System.Text;
using GitSync.Git;
using GitSync.Logging;

namespace GitSync.Auth;

/// <summary>
/// Where git finds the credentials git-sync collects: git's own <c>cache</c> helper (secrets in
/// the memory of a <c>git credential-cache--daemon</c>, never on disk), listening on a socket in
/// git-sync's private 0700 directory. Credentials enter it only through
/// <c>git credential approve</c> with the secret on stdin, so they never appear in an argument
/// list or an environment variable.
/// </summary>
internal sealed class GitCredentialCache(string privateDirectory, TimeSpan lifetime, Log log, TimeProvider clock)
{
    private readonly Dictionary<(string Url, string Username), (string Password, DateTimeOffset StoredAt)> _stored = [];
    private bool _used;

    public string Socket { get; } = Path.Combine(privateDirectory, "credential-cache.sock");

    /// <summary>
    /// The <c>credential.helper</c> value. Every credential is stored again before each sync, so
    /// entries only need to outlive one period plus one sync; the daemon exits by itself once they
    /// expire (which also bounds how long one can outlive a SIGKILLed git-sync).
    /// </summary>
    public string HelperConfig =>
        $"cache --timeout {((long)Math.Ceiling(lifetime.TotalSeconds)).ToString(CultureInfo.InvariantCulture)} --socket {SshCommand.ShellQuote(Socket)}";

    /// <summary>
    /// Stores one credential for <paramref name="url"/> (git matches it by protocol and host).
    /// An unchanged credential stored less than half its cache lifetime ago is not stored again
    /// (that would cost a git process on every poll) unless <paramref name="force"/> is set —
    /// after a failed sync, when git may have dropped it from the cache on a rejection.
    /// </summary>
    public async Task ApproveAsync(GitCli git, string url, string username, string password, bool force, CancellationToken ct)
    {
        log.Redactor.AddSecret(password);
        var now = clock.GetUtcNow();
        if (!force && _stored.TryGetValue((url, username), out var stored)
            && stored.Password == password && now - stored.StoredAt < lifetime / 2)
        {
            return;
        }
        var input = new StringBuilder()
            .Append("url=").Append(CheckValue(url, "URL")).Append('\n')
            .Append("username=").Append(CheckValue(username, "username")).Append('\n')
            .Append("password=").Append(CheckValue(password, "password")).Append('\n')
            .Append('\n')
            .ToString();
        if (log.Enabled(3))
        {
            log.Info(3, "storing git credential", ("url", url), ("username", username));
        }
        _used = true;
        try
        {
            // Run in the private directory: in a repository, git would also apply that repo's
            // own credential helpers.
            await git.RunAsync(privateDirectory, ["credential", "approve"], ct, stdin: input).ConfigureAwait(false);
            _stored[(url, username)] = (password, now);
        }
        catch (GitException e)
        {
            throw new InvalidOperationException($"can't store the git credential for {url}: {e.Message}", e);
        }
    }

    /// <summary>Stops the daemon (best effort) so it does not outlive git-sync.</summary>
    public async Task StopAsync(GitCli git)
    {
        if (!_used)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await git.RunAsync(privateDirectory, ["credential-cache", "--socket", Socket, "exit"], timeout.Token, check: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or GitException)
        {
            // It expires on its own.
        }
    }

    /// <summary>
    /// git's credential protocol is line-based: a trailing line break ends the value (so a
    /// password file written with <c>echo</c> works, as upstream), but a line break or NUL
    /// inside a value would smuggle in other attributes, so it is refused.
    /// </summary>
    private static string CheckValue(string value, string what)
    {
        var trimmed = value.TrimEnd('\n', '\r');
        if (trimmed.Contains('\n', StringComparison.Ordinal) || trimmed.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the {what} of a credential contains a line break or NUL, which git's credential protocol can't carry");
        }
        return trimmed;
    }
}
