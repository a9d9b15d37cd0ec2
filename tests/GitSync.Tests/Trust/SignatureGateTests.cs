using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Trust;

/// <summary>--verify-signatures=commit with real gpg, ssh-keygen and git: what publishes and what does not.</summary>
public sealed class SignatureGateTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private const string Verifications = "git_sync_signature_verifications_total";

    [Fact]
    public async Task Publishes_commits_signed_by_trusted_keys_and_keeps_the_old_link_for_unsigned_and_untrusted_ones()
    {
        using var keys = Own(new Signers());
        string gpgKey = keys.NewGpgKey("trusted");
        keys.NewGpgKey("stranger");
        string sshKey = keys.NewSshKey("ssh-trusted");
        string strangerSsh = keys.NewSshKey("ssh-stranger");
        string trust = NewDir("trust").Path;
        string keyring = keys.WriteKeyring(Path.Combine(trust, "keyring.asc"), gpgKey);
        string signers = Signers.WriteAllowedSigners(Path.Combine(trust, "allowed_signers"), sshKey);

        using TestRepo repo = NewRepo();
        string first = keys.CommitSigned(repo, gpgKey, "file", "gpg");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--max-failures=-1", "--error-file=error.json",
            "--verify-signatures=commit", "--trusted-gpg-keyring-file=" + keyring, "--trusted-ssh-allowed-signers-file=" + signers,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, first);

        string second = keys.CommitSigned(repo, sshKey, "file", "ssh");
        await WaitForHashAsync(p, link, second);
        Assert.True(await CountAsync(port, "valid") >= 2, p.Diagnostics());

        string unsigned = repo.Commit("file", "unsigned");
        await Poll.UntilAsync(async () => await CountAsync(port, "unsigned") >= 2, "the unsigned commit is refused (twice)", p.Diagnostics);
        Layout.AssertFile(link, "file", "ssh", p.Diagnostics);
        Assert.Equal(second, Layout.PublishedHash(link));
        string status = await HttpText.GetAsync(port, "/status");
        Assert.Contains(unsigned, status, StringComparison.Ordinal);
        Assert.Contains("unsigned", status, StringComparison.Ordinal);
        Assert.Contains(unsigned, File.ReadAllText(Path.Combine(root, "error.json")), StringComparison.Ordinal);
        Assert.Contains(p.StderrLines, l => l.Contains("signature verification failed for commit " + unsigned, StringComparison.Ordinal));
        Assert.True(MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"error\"") >= 2);

        keys.CommitSigned(repo, "stranger@example.com", "file", "gpg stranger");
        await Poll.UntilAsync(async () => await CountAsync(port, "untrusted") >= 1, "a commit by an unknown gpg key is refused", p.Diagnostics);
        string strangerCommit = keys.CommitSigned(repo, strangerSsh, "file", "ssh stranger");
        await Poll.UntilAsync(
            () => p.StderrLines.Any(l => l.Contains(strangerCommit, StringComparison.Ordinal) && l.Contains("untrusted", StringComparison.Ordinal)),
            "a commit by an unknown ssh key is refused as untrusted",
            p.Diagnostics);
        Assert.Equal(second, Layout.PublishedHash(link));

        string last = keys.CommitSigned(repo, gpgKey, "file", "gpg again");
        await WaitForHashAsync(p, link, last);
        Layout.AssertFile(link, "file", "gpg again", p.Diagnostics);
    }

    [Fact]
    public async Task Trust_files_rotated_under_a_running_process_take_effect_without_restart()
    {
        using var keys = Own(new Signers());
        string oldGpg = keys.NewGpgKey("old");
        string newGpg = keys.NewGpgKey("new");
        string oldSsh = keys.NewSshKey("ssh-old");
        string newSsh = keys.NewSshKey("ssh-new");
        string trust = NewDir("trust").Path;
        string keyring = keys.WriteKeyring(Path.Combine(trust, "keyring.asc"), oldGpg);
        string signers = Signers.WriteAllowedSigners(Path.Combine(trust, "allowed_signers"), oldSsh);

        using TestRepo repo = NewRepo();
        string first = keys.CommitSigned(repo, oldGpg, "file", "1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--max-failures=-1",
            "--verify-signatures=commit", "--trusted-gpg-keyring-file=" + keyring, "--trusted-ssh-allowed-signers-file=" + signers));
        await WaitForHashAsync(p, link, first);
        string second = keys.CommitSigned(repo, oldSsh, "file", "2");
        await WaitForHashAsync(p, link, second);

        // Rotate both: the old keys leave the trust files, the new ones arrive.
        keys.WriteKeyring(keyring, newGpg);
        Signers.WriteAllowedSigners(signers, newSsh);
        string byOldGpg = keys.CommitSigned(repo, oldGpg, "file", "3");
        await Poll.UntilAsync(() => RefusedAs(p, byOldGpg, "untrusted"), "the removed gpg key is no longer trusted", p.Diagnostics);
        string byOldSsh = keys.CommitSigned(repo, oldSsh, "file", "4");
        await Poll.UntilAsync(() => RefusedAs(p, byOldSsh, "untrusted"), "the removed ssh key is no longer trusted", p.Diagnostics);
        Assert.Equal(second, Layout.PublishedHash(link));

        string byNewGpg = keys.CommitSigned(repo, newGpg, "file", "5");
        await WaitForHashAsync(p, link, byNewGpg);
        string byNewSsh = keys.CommitSigned(repo, newSsh, "file", "6");
        await WaitForHashAsync(p, link, byNewSsh);
        Assert.Contains(p.StderrLines, l => l.Contains("trust file changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verifies_with_a_shallow_fetch_and_a_partial_clone_and_after_a_restart()
    {
        using var keys = Own(new Signers());
        string sshKey = keys.NewSshKey("ssh");
        string signers = Signers.WriteAllowedSigners(Path.Combine(NewDir("trust").Path, "allowed_signers"), sshKey);
        string[] verify = ["--verify-signatures=commit", "--trusted-ssh-allowed-signers-file=" + signers];

        using TestRepo repo = NewRepo();
        repo.Commit("a", "unsigned history");
        repo.Commit("b", "more unsigned history");
        string signedHead = keys.CommitSigned(repo, sshKey, "file", "signed");

        string shallow = NewDir().Path;
        await RunOnceAsync(repo, shallow, ["--link=link", "--depth=1", .. verify]);
        Layout.AssertPublished(Path.Combine(shallow, "link"), signedHead);
        string partial = NewDir().Path;
        await RunOnceAsync(repo, partial, ["--link=link", "--filter=blob:none", .. verify]);
        Layout.AssertPublished(Path.Combine(partial, "link"), signedHead);

        string unsignedHead = repo.Commit("file", "unsigned");
        GitSyncProcess refused = await RunAsync(Args(repo, partial, ["--link=link", "--one-time", "--filter=blob:none", .. verify]));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("signature verification failed for commit " + unsignedHead, refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(signedHead, Layout.PublishedHash(Path.Combine(partial, "link")));

        // Published without verification by an earlier process: the first sync after a restart
        // with verification on checks what is served and does not report it as good.
        string plain = NewDir().Path;
        await RunOnceAsync(repo, plain, "--link=link");
        GitSyncProcess restarted = await RunAsync(Args(repo, plain, ["--link=link", "--one-time", .. verify]));
        Assert.Equal(1, restarted.ExitCode);
        Assert.Contains("signature verification failed for commit " + unsignedHead, restarted.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_annotated_tag_passes_in_tag_mode_while_its_unsigned_twin_fails()
    {
        using var keys = Own(new Signers());
        string gpgKey = keys.NewGpgKey("tagger");
        string keyring = keys.WriteKeyring(Path.Combine(NewDir("trust").Path, "keyring.asc"), gpgKey);
        string[] verify = ["--verify-signatures=tag", "--trusted-gpg-keyring-file=" + keyring];

        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "tagged");
        keys.TagSigned(repo, gpgKey, "v1-signed");
        repo.Tag("v1-unsigned", annotated: true);
        string unsignedTag = repo.RevParse("v1-unsigned");
        repo.Tag("v1-light");

        foreach (string[] extra in new[] { new[] { "--depth=1" }, new[] { "--filter=blob:none" } })
        {
            string root = NewDir().Path;
            await RunOnceAsync(repo, root, ["--link=link", "--ref=v1-signed", .. extra, .. verify]);
            Layout.AssertPublished(Path.Combine(root, "link"), head);
        }

        string other = NewDir().Path;
        GitSyncProcess unsigned = await RunAsync(Args(repo, other, ["--link=link", "--one-time", "--ref=v1-unsigned", .. verify]));
        Assert.Equal(1, unsigned.ExitCode);
        Assert.Contains($"signature verification failed for tag v1-unsigned {unsignedTag}: unsigned", unsigned.Stderr, StringComparison.Ordinal);
        Assert.True(Layout.IsAbsent(Path.Combine(other, "link")), unsigned.Diagnostics());

        GitSyncProcess light = await RunAsync(Args(repo, other, ["--link=link", "--one-time", "--ref=v1-light", .. verify]));
        Assert.Equal(1, light.ExitCode);
        Assert.Contains("not an annotated tag", light.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commit_signed_by_a_key_that_has_since_expired_is_not_published()
    {
        using var keys = Own(new Signers());
        // Made and used on gpg's faked clock in 2020 and expired since, so no race with a real clock.
        string shortLived = keys.NewKeyExpiredLongAgo("short-lived");
        using TestRepo repo = NewRepo();
        string head = keys.CommitSignedInThePast(repo, shortLived, "file", "signed while valid");
        string keyring = keys.WriteKeyring(Path.Combine(NewDir("trust").Path, "keyring.asc"), shortLived);

        string root = NewDir().Path;
        GitSyncProcess p = await RunAsync(Args(repo, root, "--link=link", "--one-time", "--verify-signatures=commit", "--trusted-gpg-keyring-file=" + keyring));
        Assert.Equal(1, p.ExitCode);
        Assert.Contains($"signature verification failed for commit {head}: expired", p.Stderr, StringComparison.Ordinal);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), p.Diagnostics());
    }

    [Theory]
    [InlineData("--verify-signatures=commit", "needs --trusted-gpg-keyring-file or --trusted-ssh-allowed-signers-file")]
    [InlineData("--verify-signatures=tag --ref=HEAD --trusted-ssh-allowed-signers-file=/dev/null", "--verify-signatures=tag needs --ref to name an annotated tag")]
    [InlineData("--verify-signatures=tag --ref=refs/heads/main --trusted-ssh-allowed-signers-file=/dev/null", "not a branch")]
    [InlineData("--verify-signatures=commit --trusted-gpg-keyring-file=/nonexistent/keyring.asc", "--trusted-gpg-keyring-file: can't read /nonexistent/keyring.asc")]
    [InlineData("--verify-signatures=sometimes", "--verify-signatures must be one of none, commit or tag")]
    public async Task Refuses_to_start_with_an_unusable_signature_configuration(string flags, string expected)
    {
        string root = NewDir().Path;
        GitSyncProcess p = await RunAsync(["--repo=file:///nonexistent", "--root=" + root, .. flags.Split(' ')]);
        Assert.Equal(1, p.ExitCode);
        Assert.Contains(expected, p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_keyring_gpg_cannot_read_is_a_start_up_error()
    {
        string trust = NewDir("trust").Path;
        string keyring = Path.Combine(trust, "keyring.asc");
        File.WriteAllText(keyring, "not a key\n");
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        GitSyncProcess p = await RunAsync(Args(repo, NewDir().Path, "--one-time", "--verify-signatures=commit", "--trusted-gpg-keyring-file=" + keyring));
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("can't import --trusted-gpg-keyring-file", p.Stderr, StringComparison.Ordinal);
    }

    private static bool RefusedAs(GitSyncProcess p, string hash, string result) =>
        p.StderrLines.Any(l => l.Contains("signature verification failed for commit " + hash + ": " + result, StringComparison.Ordinal));

    private static async Task<double> CountAsync(int port, string result) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), Verifications, $"result=\"{result}\"");
}

/// <summary>Bodies of small HTTP answers.</summary>
internal static class HttpText
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<string> GetAsync(int port, string path)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"));
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<(int Status, string Body)> GetWithStatusAsync(int port, string path)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
