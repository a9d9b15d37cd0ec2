using GitSync.Cli;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Git;

/// <summary>
/// git-sync's private place outside --root (0700, under $TMPDIR): the global git config every
/// git child reads (GIT_CONFIG_GLOBAL), so nothing is written to a shared HOME and nothing
/// secret lands in the volume consumers mount.
/// </summary>
internal sealed class GitEnvironment : IDisposable
{
    private GitEnvironment(string directory)
    {
        Directory = directory;
        ConfigFile = Path.Combine(directory, "gitconfig");
        Variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_CONFIG_GLOBAL"] = ConfigFile,
            // System config can't be relied on to be there (or sane) in every image.
            ["GIT_CONFIG_NOSYSTEM"] = "true",
            // Never wait for a human: a missing credential is an error, not a prompt.
            ["GIT_TERMINAL_PROMPT"] = "0",
        };
    }

    public string Directory { get; }

    public string ConfigFile { get; }

    public Dictionary<string, string> Variables { get; }

    public static GitEnvironment Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"git-sync-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, "gitconfig"), "");
        return new GitEnvironment(dir);
    }

    /// <summary>git-sync's defaults first, then the user's --git-config entries, which may override them.</summary>
    public async Task WriteConfigAsync(GitCli git, SyncOptions options, IEnumerable<(string Key, string Value)> credentialConfig, CancellationToken ct)
    {
        (string Key, string Value, bool Add)[] defaults =
        [
            // gc must finish before the next sync and really drop what removed trees held.
            ("gc.autoDetach", "false", false),
            ("gc.pruneExpire", "now", false),
            // The root is often owned by another UID (volumes, fsGroup): trust it.
            ("safe.directory", "*", false),
        ];
        foreach (var (key, value, add) in defaults)
        {
            await SetAsync(git, key, value, add, ct).ConfigureAwait(false);
        }
        foreach (var (key, value) in credentialConfig)
        {
            await SetAsync(git, key, value, add: false, ct).ConfigureAwait(false);
        }
        foreach (var entry in options.GitConfig)
        {
            await SetAsync(git, entry.Key, entry.Value, entry.Add, ct).ConfigureAwait(false);
        }
    }

    private Task SetAsync(GitCli git, string key, string value, bool add, CancellationToken ct)
    {
        var args = new List<string> { "config", "--file", ConfigFile };
        if (add)
        {
            args.Add("--add");
        }
        // Keys and values come from --git-config: never options.
        args.Add("--");
        args.Add(key);
        args.Add(value);
        return git.RunAsync(null, args, ct);
    }

    public void Dispose()
    {
        try
        {
            Filesystem.RemoveAll(Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Temp cleaners will get it.
        }
    }
}
