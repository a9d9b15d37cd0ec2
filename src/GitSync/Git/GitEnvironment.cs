using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Git;

/// <summary>
/// The environment every git child (and hook) gets, and git-sync's private directory behind it
/// (<see cref="PrivateDirectory"/>: 0700, in $TMPDIR, /dev/shm or the root, whichever can be
/// written): the global git config every child reads (GIT_CONFIG_GLOBAL), so nothing is
/// written to a shared HOME; a TMPDIR the children can write when the inherited one can't be;
/// and, when the UID has no passwd entry, the nss_wrapper settings ssh needs.
/// </summary>
internal sealed class GitEnvironment : IDisposable
{
    private readonly PrivateDirectory _private;

    private GitEnvironment(PrivateDirectory directory)
    {
        _private = directory;
        Directory = directory.Path;
        ConfigFile = Path.Combine(Directory, "gitconfig");
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

    /// <summary>Where the private directory was made, why other places were not used, what start-up cleaned.</summary>
    public PrivateDirectory Private => _private;

    public string ConfigFile { get; }

    public Dictionary<string, string> Variables { get; }

    /// <summary>How children find a passwd entry for our UID.</summary>
    public PasswdSource Passwd { get; private set; }

    /// <exception cref="IOException">No place for the private directory could be written.</exception>
    public static GitEnvironment Create(string root)
    {
        var dir = PrivateDirectory.Create(root);
        try
        {
            var env = new GitEnvironment(dir);
            File.WriteAllText(env.ConfigFile, "");
            if (dir.Placement != Placement.TempDir)
            {
                // $TMPDIR can't be written (read-only root filesystem): git needs a temp dir of its
                // own (verify-commit writes the signature to a temp file), so do hooks.
                var tmp = Path.Combine(dir.Path, "tmp");
                System.IO.Directory.CreateDirectory(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                env.Variables["TMPDIR"] = tmp;
            }
            env.Passwd = PasswdSource.System;
            if (!Users.HasPasswdEntry())
            {
                var nss = Users.NssWrapperEnvironment(dir.Path, Environment.GetEnvironmentVariable("HOME"));
                env.Passwd = nss is null ? PasswdSource.Missing : PasswdSource.NssWrapper;
                foreach (var (key, value) in nss ?? [])
                {
                    env.Variables[key] = value;
                }
            }
            return env;
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>git-sync's defaults first, then the user's --git-config entries, which may override them.</summary>
    public async Task WriteConfigAsync(GitCli git, IReadOnlyList<GitConfigEntry> userConfig, IEnumerable<(string Key, string Value)> credentialConfig, CancellationToken ct)
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
        foreach (var entry in userConfig)
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

    /// <summary>
    /// Logs where the private directory went and why, and warns when ssh will not run for
    /// want of a passwd entry (<paramref name="sshNeeded"/>: the repo or the signature check uses ssh).
    /// </summary>
    public void LogPlacement(Log log, bool sshNeeded)
    {
        var dir = _private;
        log.Info(1, "private directory", ("path", dir.Path), ("placement", dir.Placement.ToString()));
        foreach (var reason in dir.Unusable)
        {
            log.Info(1, "not usable for the private directory", ("reason", reason));
        }
        if (dir.Placement == Placement.Root)
        {
            log.Info(0, "neither $TMPDIR nor /dev/shm is writable; the private directory is under --root", ("path", dir.Path));
        }
        if (dir.StaleRemoved > 0)
        {
            log.Info(1, "removed private directories of dead git-sync processes", ("count", dir.StaleRemoved));
        }
        switch (Passwd)
        {
            case PasswdSource.NssWrapper:
                log.Info(1, "no passwd entry for this uid; ssh gets one through nss_wrapper", ("uid", (long)Native.GetUid()));
                break;
            case PasswdSource.Missing when sshNeeded:
                log.Error($"uid {Native.GetUid()} has no passwd entry and libnss_wrapper.so is not installed: ssh and ssh-keygen will refuse to run",
                    "install libnss-wrapper or use --add-user");
                break;
        }
    }

    public void Dispose() => _private.Dispose();
}

/// <summary>Where children get the passwd entry of git-sync's UID from.</summary>
internal enum PasswdSource
{
    /// <summary>The user database has one (the image's /etc/passwd, or --add-user wrote one).</summary>
    System,

    /// <summary>None exists: nss_wrapper serves one from the private directory.</summary>
    NssWrapper,

    /// <summary>None exists and nss_wrapper is not installed: ssh and ssh-keygen will refuse to run.</summary>
    Missing,
}
