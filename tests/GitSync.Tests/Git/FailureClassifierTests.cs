using System.Text.RegularExpressions;
using GitSync.Git;
using Xunit;

namespace GitSync.Tests.Git;

/// <summary>
/// The failure catalogue and the classifier's reading of git's, curl's and OpenSSH's messages.
/// The texts below are what git 2.39 and OpenSSH 9 printed when each failure was caused for
/// real (the end-to-end tests in EndToEnd/*FailureTests cause each again against real servers).
/// </summary>
public sealed partial class FailureClassifierTests
{
    private static GitException Git(string stderr, string command = "git fetch --verbose -- https://host/repo HEAD", int exit = 128) =>
        new(command, exit, stderr);

    [Fact]
    public void Every_class_has_a_unique_snake_case_name_and_a_short_lowercase_hint()
    {
        Assert.Equal(FailureClass.All.Count, FailureClass.All.Select(c => c.Name).Distinct().Count());
        foreach (FailureClass c in FailureClass.All)
        {
            Assert.Matches(SnakeCase(), c.Name);
            Assert.False(string.IsNullOrWhiteSpace(c.Hint));
            Assert.True(c.Hint.Length <= 160, $"{c.Name}'s hint is too long: {c.Hint}");
            Assert.True(char.IsLower(c.Hint[0]), $"{c.Name}'s hint starts upper-case: {c.Hint}");
            Assert.DoesNotContain('\n', c.Hint);
        }
    }

    [Fact]
    public void Catalogue_covers_what_the_issue_asks_for()
    {
        string[] required =
        [
            "http_auth_refused", "ssh_auth_refused", "ssh_host_key_unknown", "ssh_host_key_changed", "ssh_key_unusable",
            "name_resolution_failed", "connection_failed", "tls_untrusted", "proxy_failed", "repo_not_found", "ref_not_found",
            "shallow_failed", "permission_denied", "disk_full", "sparse_checkout_unreadable", "submodule_failed",
            "pre_publish_refused", "signature_refused", "hook_failed", "sync_timeout", "other",
        ];
        Assert.Equal(required.Order(), FailureClass.All.Select(c => c.Name).Order());
    }

    [Fact]
    public void Troubleshooting_page_has_one_section_per_class_and_the_readme_links_it()
    {
        string repoRoot = FindRepoRoot();
        string page = File.ReadAllText(Path.Combine(repoRoot, "docs", "troubleshooting.md"));
        foreach (FailureClass c in FailureClass.All)
        {
            Assert.Contains($"\n## `{c.Name}`", page, StringComparison.Ordinal);
        }

        Assert.Contains("docs/troubleshooting.md", File.ReadAllText(Path.Combine(repoRoot, "README.md")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fatal: Authentication failed for 'http://127.0.0.1:4242/repo/'", "http_auth_refused")]
    [InlineData("fatal: could not read Username for 'https://github.com': terminal prompts disabled", "http_auth_refused")]
    [InlineData("root@127.0.0.1: Permission denied (publickey).\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.", "ssh_auth_refused")]
    [InlineData("No ED25519 host key is known for [127.0.0.1]:42222 and you have requested strict checking.\nHost key verification failed.\nfatal: Could not read from remote repository.", "ssh_host_key_unknown")]
    [InlineData("@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@\nHost key for [127.0.0.1]:42222 has changed and you have requested strict checking.\nHost key verification failed.\nfatal: Could not read from remote repository.", "ssh_host_key_changed")]
    [InlineData("Load key \"/keys/id\": Permission denied\nroot@127.0.0.1: Permission denied (publickey).\nfatal: Could not read from remote repository.", "ssh_key_unusable")]
    [InlineData("Warning: Identity file /keys/nokey not accessible: No such file or directory.\nroot@127.0.0.1: Permission denied (publickey).", "ssh_key_unusable")]
    [InlineData("fatal: unable to access 'http://foo.invalid/x/': Could not resolve host: foo.invalid", "name_resolution_failed")]
    [InlineData("ssh: Could not resolve hostname foo.invalid: Name or service not known\nfatal: Could not read from remote repository.", "name_resolution_failed")]
    [InlineData("fatal: unable to access 'http://127.0.0.1:9/x/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", "connection_failed")]
    [InlineData("ssh: connect to host 127.0.0.1 port 9: Connection refused\nfatal: Could not read from remote repository.", "connection_failed")]
    [InlineData("fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused", "connection_failed")]
    [InlineData("fatal: unable to access 'https://127.0.0.1:4443/r.git/': SSL certificate problem: self-signed certificate", "tls_untrusted")]
    [InlineData("fatal: unable to access 'https://example.com/x/': Could not resolve proxy: proxy.invalid", "proxy_failed")]
    [InlineData("fatal: unable to access 'https://example.com/x/': Received HTTP code 407 from proxy after CONNECT", "proxy_failed")]
    [InlineData("fatal: '/nonexist' does not appear to be a git repository\nfatal: Could not read from remote repository.", "repo_not_found")]
    [InlineData("remote: Repository not found.\nfatal: repository 'https://github.com/a/b/' not found", "repo_not_found")]
    [InlineData("fatal: couldn't find remote ref nosuchref", "ref_not_found")]
    [InlineData("fatal: dumb http transport does not support shallow capabilities", "shallow_failed")]
    [InlineData("fatal: write error: No space left on device\nfatal: index-pack failed", "disk_full")]
    [InlineData("/root/.git/: Permission denied", "permission_denied")]
    [InlineData("error: could not lock config file .git/config: Read-only file system", "permission_denied")]
    [InlineData("fatal: the flux capacitor is out of sync", "other")]
    public void Classifies_what_git_says(string stderr, string expected)
    {
        Failure f = FailureClassifier.Default.Classify(Git(stderr));

        Assert.Equal(expected, f.Class.Name);
        Assert.Equal(stderr, f.Detail);
    }

    [Fact]
    public void Submodule_failure_names_the_submodule_and_the_cause()
    {
        const string stderr = "fatal: repository '/tmp/gone' does not exist\nfatal: clone of '/tmp/gone' into submodule path '/w/libs/sub' failed\nFailed to clone 'libs/sub' a second time, aborting";
        Failure f = FailureClassifier.Default.Classify(Git(stderr, "git submodule update --init --depth 1"));

        Assert.Equal(FailureClass.SubmoduleFailed, f.Class);
        Assert.StartsWith("submodule libs/sub failed (repo_not_found): ", f.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_ref_hint_lists_the_nearest_refs_the_remote_has()
    {
        var e = new GitException("git fetch -- origin relase", 128, "fatal: couldn't find remote ref relase") { ClosestRefs = ["release", "main"] };
        Failure f = FailureClassifier.Default.Classify(e);

        Assert.Equal(FailureClass.RefNotFound, f.Class);
        Assert.Equal("the remote has no such --ref; closest it has: release, main", f.Hint);
    }

    [Fact]
    public void Closest_refs_are_ordered_by_edit_distance_on_short_names()
    {
        const string listing = "a1\trefs/heads/main\na2\trefs/heads/release-1.0\na3\trefs/heads/feature/login\na4\trefs/tags/v1.0\na5\trefs/tags/v1.0^{}\n";

        Assert.Equal(["release-1.0", "v1.0", "main"], ClosestRefs.Find("relase-1.0", listing));
        Assert.Equal(["main", "v1.0", "release-1.0"], ClosestRefs.Find("mian", listing));
        Assert.Empty(ClosestRefs.Find("main", ""));
    }

    [Fact]
    public void Timeout_and_own_checks_keep_their_class()
    {
        Assert.Equal(FailureClass.SyncTimeout, FailureClassifier.Default.Classify(new OperationCanceledException()).Class);
        Assert.Equal(FailureClass.PermissionDenied, FailureClassifier.Default.Classify(new UnauthorizedAccessException("denied")).Class);
        Assert.Equal(FailureClass.DiskFull, FailureClassifier.Default.Classify(new IOException("can't write x: no space left on device")).Class);
        Assert.Equal(FailureClass.DiskFull, FailureClassifier.Default.Classify(new IOException("x", 28)).Class);
        Assert.Equal(FailureClass.SparseCheckoutUnreadable,
            FailureClassifier.Default.Classify(new GitSync.Sync.SparseCheckoutFileException("can't read the sparse-checkout file", new FileNotFoundException())).Class);
    }

    [Fact]
    public void Passphrase_protected_key_turns_ssh_auth_refused_into_ssh_key_unusable()
    {
        string dir = Directory.CreateTempSubdirectory("keys").FullName;
        try
        {
            string plain = Path.Combine(dir, "plain");
            string locked = Path.Combine(dir, "locked");
            Keygen(plain, "");
            Keygen(locked, "a passphrase");
            Assert.Null(SshKeyFile.Problem(plain));
            Assert.Equal("it is passphrase-protected", SshKeyFile.Problem(locked));
            Assert.Equal("it does not exist", SshKeyFile.Problem(Path.Combine(dir, "none")));

            const string refused = "git@host: Permission denied (publickey).\nfatal: Could not read from remote repository.";
            Assert.Equal(FailureClass.SshAuthRefused, new FailureClassifier([plain]).Classify(Git(refused)).Class);
            Failure f = new FailureClassifier([plain, locked]).Classify(Git(refused));
            Assert.Equal(FailureClass.SshKeyUnusable, f.Class);
            Assert.Equal($"--ssh-key-file {locked} can't be used: it is passphrase-protected", f.Hint);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Keygen(string path, string passphrase)
    {
        var info = new System.Diagnostics.ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-q", "-t", "ed25519", "-N", passphrase, "-f", path })
        {
            info.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(info)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    private static string FindRepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "GitSync.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("GitSync.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[a-z]+(_[a-z]+)*$")]
    private static partial Regex SnakeCase();
}
