using GitSync.Tests.Infrastructure;
using GitSync.Tests.Shapes;
using GitSync.Tests.Trust;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// Failures on git-sync's own side (the volume, the files it reads, what it checks before
/// publishing, hooks, the clock), each caused for real, each classified everywhere.
/// </summary>
public sealed class LocalFailureTests(ITestOutputHelper output) : FailureClassTest(output)
{
    private const string Secret = "pw-local-5e2a90";

    /// <summary>A password handed over the way a deployment would: it must never show up.</summary>
    private static readonly Dictionary<string, string?> PasswordEnv = new() { ["GITSYNC_PASSWORD"] = Secret };

    private TestRepo RepoWithCommit()
    {
        TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        return repo;
    }

    private static string Script(TempDir dir, string name, string body)
    {
        string path = dir.Combine(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED); // 0755
        return path;
    }

    [Fact]
    public async Task Root_the_user_may_not_write_is_permission_denied()
    {
        TempDir shared = SharedDir();
        string root = shared.Combine("root");
        // Exists, but belongs to root and is 0755: a volume mounted without fsGroup.
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0x1ED);
        string[]? launcher = AsNobody(shared);
        if (launcher is null)
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var env = new Dictionary<string, string?>(PasswordEnv) { ["HOME"] = shared.Path };
        Observed o = await ObserveAsync("permission_denied", ["--repo=http://127.0.0.1:9/repo", "--username=user"], [Secret],
            env, launcher, root: root, errorFileDirectory: shared.Path);

        Assert.Contains("Permission denied", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Full_file_system_is_disk_full()
    {
        using TestRepo repo = NewRepo();
        // Incompressible: the pack is as large as the file.
        byte[] noise = new byte[1024 * 1024];
        Random.Shared.NextBytes(noise);
        File.WriteAllBytes(Path.Combine(repo.Path, "blob.bin"), noise);
        repo.Git("add", "blob.bin");
        repo.Git("commit", "--quiet", "-m", "a megabyte");
        string root = NewDir().Path;
        // A 256 KiB tmpfs over --root, in a mount namespace of its own (nothing else sees it).
        string[] launcher = [
            "unshare", Libc.GetEuid() == 0 ? "-m" : "-rm", "--propagation", "private", "sh", "-c",
            $"mount -t tmpfs -o size=256k git-sync-test '{root}' && exec \"$@\"", "sh"];

        Observed o = await ObserveAsync("disk_full", ["--repo=" + repo.Url, "--username=user"], [Secret], PasswordEnv, launcher, root: root);

        Assert.Contains("No space left on device", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Missing_sparse_checkout_file_is_sparse_checkout_unreadable()
    {
        using TestRepo repo = RepoWithCommit();
        string missing = NewDir("sparse").Combine("not-mounted", "sparse-checkout");

        Observed o = await ObserveAsync("sparse_checkout_unreadable", ["--repo=" + repo.Url, "--username=user", "--sparse-checkout-file=" + missing], [Secret], PasswordEnv);

        Assert.Contains(missing, o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submodule_that_can_not_be_cloned_is_submodule_failed_and_named()
    {
        using TestRepo super = RepoWithCommit();
        TestRepo sub = NewRepo(name: "sub");
        sub.Commit("lib", "v1");
        LocalGit.Output(super.Path, "-c", "protocol.file.allow=always", "submodule", "add", "--quiet", sub.Url, "libs/sub");
        super.Git("commit", "--quiet", "-m", "add submodule libs/sub");
        // The submodule's repository goes away (moved, renamed, access revoked).
        Directory.Delete(sub.Path, recursive: true);

        Observed o = await ObserveAsync("submodule_failed", ["--repo=" + super.Url, "--username=user"], [Secret], PasswordEnv);

        Assert.Contains("submodule libs/sub failed", o.Hint, StringComparison.Ordinal);
        Assert.Contains("submodule libs/sub failed", o.ErrorFile!.Value.GetProperty("Hint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_commit_is_signature_refused_with_the_trust_result()
    {
        using var keys = Own(new Signers());
        string signers = Signers.WriteAllowedSigners(Path.Combine(NewDir("trust").Path, "allowed_signers"), keys.NewSshKey("ssh"));
        using TestRepo repo = RepoWithCommit();

        Observed o = await ObserveAsync("signature_refused",
            ["--repo=" + repo.Url, "--username=user", "--verify-signatures=commit", "--trusted-ssh-allowed-signers-file=" + signers], [Secret], PasswordEnv);

        Assert.Contains("signature is unsigned", o.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusing_pre_publish_hook_is_pre_publish_refused()
    {
        using TestRepo repo = RepoWithCommit();
        string hook = Script(NewDir("hook"), "refuse.sh", "echo 'tests are red' >&2; exit 1");

        Observed o = await ObserveAsync("pre_publish_refused", ["--repo=" + repo.Url, "--username=user", "--pre-publish-exechook-command=" + hook], [Secret], PasswordEnv);

        Assert.Equal("pre-publish hook failed", o.ErrorFile!.Value.GetProperty("Msg").GetString());
    }

    [Fact]
    public async Task Failing_exec_hook_is_hook_failed_in_the_log_and_the_metric()
    {
        using TestRepo repo = RepoWithCommit();
        string hook = Script(NewDir("hook"), "fail.sh", "exit 3");

        // As upstream, a post-publish hook's failure is not a sync failure: no error file, and
        // /status keeps describing the syncs.
        Observed o = await ObserveAsync("hook_failed", ["--repo=" + repo.Url, "--username=user", "--exechook-command=" + hook], [Secret], PasswordEnv,
            errorFile: false, inStatus: false);

        Assert.Equal("", o.ErrorFileText);
        Assert.Equal(0, FailureCount(o.MetricsText, "other"));
    }

    [Fact]
    public async Task Sync_slower_than_the_timeout_is_sync_timeout()
    {
        using TestRepo repo = RepoWithCommit();
        GitWrapper git = GitWrapper.Create(NewDir("wrapper"), """
            case "$SUBCOMMAND" in
              fetch|ls-remote) sleep 30 ;;
            esac
            """);

        Observed o = await ObserveAsync("sync_timeout", ["--repo=" + repo.Url, "--username=user", "--git=" + git.Path, "--sync-timeout=1s"], [Secret], PasswordEnv);

        Assert.Contains("sync timed out after 1s", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_git_failure_is_other_with_gits_own_text()
    {
        using TestRepo repo = RepoWithCommit();
        GitWrapper git = GitWrapper.Create(NewDir("wrapper"), """
            case "$SUBCOMMAND" in
              fetch) echo 'fatal: the flux capacitor is out of sync' >&2; exit 3 ;;
            esac
            """);

        Observed o = await ObserveAsync("other", ["--repo=" + repo.Url, "--username=user", "--git=" + git.Path], [Secret], PasswordEnv);

        Assert.Contains("the flux capacitor is out of sync", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.Ordinal);
        Assert.Equal("see the error text", o.Hint);
    }
}
