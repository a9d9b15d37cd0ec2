using System.Text;

namespace GitSync.Cli;

/// <summary>--help and --man, generated from the flag table.</summary>
internal static class Manual
{
    private static readonly (string Key, string Title)[] Sections =
    [
        ("sync", "WHAT TO SYNC"),
        ("layout", "WHERE IT GOES"),
        ("loop", "WHEN"),
        ("hooks", "HOOKS"),
        ("auth", "CREDENTIALS"),
        ("git", "GIT"),
        ("trust", "SIGNATURE VERIFICATION"),
        ("http", "HTTP ENDPOINT"),
        ("output", "OUTPUT"),
        ("deprecated", "DEPRECATED (v3) FLAGS, STILL ACCEPTED"),
    ];

    public static string Usage()
    {
        var sb = new StringBuilder();
        sb.AppendLine("git-sync: keep a local directory in sync with a git repository, publishing each revision atomically through a symlink.");
        sb.AppendLine();
        sb.AppendLine("usage: git-sync --repo=<url> --root=<dir> [flags]");
        sb.AppendLine();
        AppendFlags(sb);
        sb.AppendLine("Run git-sync --man for the full manual.");
        return sb.ToString();
    }

    public static string Full()
    {
        var sb = new StringBuilder();
        sb.AppendLine("GIT-SYNC(1)");
        sb.AppendLine();
        sb.AppendLine("NAME");
        sb.AppendLine("    git-sync - sync a git repository into a directory, atomically, once or forever");
        sb.AppendLine();
        sb.AppendLine("SYNOPSIS");
        sb.AppendLine("    git-sync --repo=<url> --root=<dir> [flags]");
        sb.AppendLine();
        sb.AppendLine("DESCRIPTION");
        sb.AppendLine("    git-sync fetches a branch, tag or commit of a remote repository into --root and");
        sb.AppendLine("    publishes it through a symlink (--link). Each revision is checked out into its own");
        sb.AppendLine("    worktree, <root>/.worktrees/<hash>, and only then is the link swapped to it with a");
        sb.AppendLine("    single rename, so readers see the old tree or the new one and never a partial one.");
        sb.AppendLine("    The link's target is relative and its last element is the commit hash: that, and");
        sb.AppendLine("    the files under the link, are the whole contract with consumers.");
        sb.AppendLine();
        sb.AppendLine("    Every flag can also be set through the environment as GITSYNC_<NAME> (upper case,");
        sb.AppendLine("    '-' becomes '_'); a flag on the command line wins. v3 spellings (GIT_SYNC_* variables,");
        sb.AppendLine("    --branch, --rev, --dest, --wait, single-dash long flags like -repo=...) still work and");
        sb.AppendLine("    print a deprecation warning. The password is only read from $GITSYNC_PASSWORD or");
        sb.AppendLine("    --password-file, the GitHub App key also from $GITSYNC_GITHUB_APP_PRIVATE_KEY.");
        sb.AppendLine();
        sb.AppendLine("    Durations are written like 100ms, 1.5s, 2m30s or 1h.");
        sb.AppendLine();
        sb.AppendLine("FLAGS");
        sb.AppendLine();
        AppendFlags(sb);
        sb.AppendLine("EXIT STATUS");
        sb.AppendLine("    0   --one-time synced (and every hook succeeded), or stopped by SIGTERM/SIGINT.");
        sb.AppendLine("    1   invalid configuration, git missing, or more consecutive failed syncs than");
        sb.AppendLine("        --max-failures (--init-max-failures before the first success) allows.");
        sb.AppendLine();
        sb.AppendLine("FILES");
        sb.AppendLine("    <root>/.git                 the repository git-sync fetches into");
        sb.AppendLine("    <root>/.worktrees/<hash>    one checked-out tree per published revision");
        sb.AppendLine("    <link>                      symlink to the served tree");
        sb.AppendLine("    $TMPDIR/git-sync-<pid>-*    private 0700 directory: git config, credential-cache and");
        sb.AppendLine("                                SSH connection sockets, GnuPG homes (removed at exit; left");
        sb.AppendLine("                                by a killed process, removed by the next start). When");
        sb.AppendLine("                                $TMPDIR is read-only: /dev/shm/git-sync-<pid>-*, else");
        sb.AppendLine("                                <root>/.git-sync/git-sync-<pid>-*");
        sb.AppendLine();
        sb.AppendLine("HTTP");
        sb.AppendLine("    GET /               503 until the first successful sync, then 200");
        sb.AppendLine("    GET /metrics        Prometheus metrics (--http-metrics)");
        sb.AppendLine("    GET /debug/pprof/   .NET runtime diagnostics as text (--http-pprof)");
        sb.AppendLine("    GET /status         JSON: repo (redacted), ref, served hash, last success, last error,");
        sb.AppendLine("                        consecutive failures, sync counts, last push trigger");
        sb.AppendLine("    POST /trigger       push webhook receiver (--push-trigger-secret-file): 202 queued,");
        sb.AppendLine("                        200 ignored, 401/405/413/429 rejected; see docs/push-trigger.md");
        return sb.ToString();
    }

    private static void AppendFlags(StringBuilder sb)
    {
        foreach (var (key, title) in Sections)
        {
            sb.AppendLine(title);
            foreach (var flag in FlagTable.All.Where(f => f.Section == key))
            {
                var names = flag.Short is char c ? $"-{c}, --{flag.Name}" : $"--{flag.Name}";
                if (flag.Name == "help")
                {
                    names = "-h, -?, --help";
                }
                sb.Append("    ").Append(names).Append(flag.Meta);
                // The primary variable, then v3's own names (GIT_SSH_KEY_FILE, ...); the
                // mechanical GIT_SYNC_<NAME> spelling of every flag goes without saying.
                foreach (var env in flag.Env.Where((e, i) => i == 0 || e != FlagTable.LegacyEnv(flag.Name)))
                {
                    sb.Append(", $").Append(env);
                }
                sb.AppendLine();
                sb.Append("            ").Append(flag.Help);
                if (flag.ReplacedBy is not null)
                {
                    sb.Append(" Use ").Append(flag.ReplacedBy).Append(" instead.");
                }
                else if (flag.Default.Length > 0 && flag.Type != FlagType.Bool)
                {
                    sb.Append(" (default: ").Append(flag.Default).Append(')');
                }
                sb.AppendLine();
            }
            sb.AppendLine();
        }
    }
}
