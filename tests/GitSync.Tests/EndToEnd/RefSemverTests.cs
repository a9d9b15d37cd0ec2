using System.Text.Json;
using GitSync.Tests.Git;
using GitSync.Tests.Http;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.Trust;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--ref-semver: the binary follows the newest tag in a range, against a real repository.</summary>
public sealed class RefSemverTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    [Theory]
    [InlineData("^1", "v1.10.0")]
    [InlineData("~1.9", "v1.9.0")]
    [InlineData("^1.11.0-rc.0", "1.11.0-rc.1")]
    [InlineData("*", "v2.0.0")]
    [InlineData(">=1.0.0 <1.9.0", "v1.2.0")]
    public async Task One_time_sync_publishes_the_newest_tag_in_range(string range, string tag)
    {
        ReleaseRepo releases = ReleaseRepo.Create(NewRepo());
        string root = NewDir().Path;

        await RunOnceAsync(releases.Repo, root, "--link=link", "--ref-semver=" + range);

        string link = Path.Combine(root, "link");
        Layout.AssertPublished(link, releases.Commits[tag]);
        Assert.Equal(tag, File.ReadAllText(Path.Combine(link, "version")));
    }

    [Fact]
    public async Task The_chosen_tag_is_fetched_with_the_depth_filter_and_sparse_rules_of_a_ref()
    {
        TestRepo repo = NewRepo();
        repo.Commit(new Dictionary<string, string> { ["keep/a"] = "1", ["drop/b"] = "1" });
        repo.Tag("v1.0.0", annotated: true);
        string release = repo.Commit(new Dictionary<string, string> { ["keep/a"] = "2", ["drop/b"] = "2" });
        repo.Tag("v1.1.0", annotated: true);
        repo.Commit("keep/a", "3");
        repo.Tag("v2.0.0");
        string sparse = NewDir("sparse").Combine("sparse");
        File.WriteAllText(sparse, "/keep/\n");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        await RunOnceAsync(repo, root, "--link=link", "--ref-semver=~1", "--filter=blob:none", "--depth=0", "--sparse-checkout-file=" + sparse);

        Layout.AssertPublished(link, release);
        Assert.Equal("2", File.ReadAllText(Path.Combine(link, "keep", "a")));
        Assert.False(File.Exists(Path.Combine(link, "drop", "b")));
        // All history (--depth=0) of the one tag fetched, and no tag stored: the fetch named only v1.1.0.
        Assert.Equal("2", LocalGit.Output(root, "rev-list", "--count", release).Trim());
        Assert.Equal("", LocalGit.Output(root, "tag", "--list").Trim());
    }

    [Fact]
    public async Task A_range_no_tag_matches_fails_without_publishing()
    {
        ReleaseRepo releases = ReleaseRepo.Create(NewRepo());
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(releases.Repo, root, "--one-time", "--link=link", "--ref-semver=>=3.0.0"));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains("no tag on the remote matches --ref-semver=>=3.0.0", p.Stderr, StringComparison.Ordinal);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")));
    }

    [Fact]
    public async Task New_tags_in_range_are_published_on_the_next_poll_and_the_served_release_moves_down_only_when_the_newer_tag_is_gone()
    {
        ReleaseRepo releases = ReleaseRepo.Create(NewRepo());
        TestRepo repo = releases.Repo;
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref-semver=^1", "--period=100ms", "--max-failures=-1",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, link, releases.Commits["v1.10.0"]);
        using var client = new TriggerClient(port);
        await Poll.UntilAsync(async () => ServedTag(await client.StatusJsonAsync()) == "v1.10.0", "/status shows v1.10.0", p.Diagnostics);
        JsonElement status = (await client.StatusJsonAsync()).GetProperty("refSemver");
        Assert.Equal("^1", status.GetProperty("range").GetString());
        Assert.Equal("1.10.0", status.GetProperty("version").GetString());
        Assert.Equal(1, await ReleaseMetricAsync(port, "^1", "v1.10.0", "1.10.0"));

        // Out of range (a major release, a pre-release, a name that is no version): ignored.
        string outside = repo.Commit("version", "outside");
        repo.Tag("v3.0.0");
        repo.Tag("1.12.0-rc.1");
        repo.Tag("v9");
        double noops = await NoopsAsync(port);
        await Poll.UntilAsync(async () => await NoopsAsync(port) >= noops + 3, "3 more polls", p.Diagnostics);
        Assert.Equal(releases.Commits["v1.10.0"], Layout.PublishedHash(link));

        // A new release in range: published on the next poll.
        string next = repo.Commit("version", "v1.12.0");
        repo.Tag("v1.12.0", annotated: true);
        await WaitForHashAsync(p, link, next);
        await Poll.UntilAsync(async () => ServedTag(await client.StatusJsonAsync()) == "v1.12.0", "/status shows v1.12.0", p.Diagnostics);
        Assert.Equal(1, await ReleaseMetricAsync(port, "^1", "v1.12.0", "1.12.0"));
        Assert.Equal(0, await ReleaseMetricAsync(port, "^1", "v1.10.0", "1.10.0"));

        // The tag moved to another commit: that commit is published.
        string moved = repo.Commit("version", "v1.12.0 again");
        repo.Tag("v1.12.0", annotated: true, force: true);
        await WaitForHashAsync(p, link, moved);

        // The newest tag deleted: back to the newest one left, with a warning.
        repo.Git("tag", "--delete", "v1.12.0");
        await WaitForHashAsync(p, link, releases.Commits["v1.10.0"]);
        await Poll.UntilAsync(() => p.Stderr.Contains("moved down to an older release", StringComparison.Ordinal), "the move down is logged", p.Diagnostics);
        string warning = p.StderrLines.Last(l => l.Contains("moved down to an older release", StringComparison.Ordinal));
        Assert.Contains("\"from\":\"v1.12.0\"", warning, StringComparison.Ordinal);
        Assert.Contains("\"to\":\"v1.10.0\"", warning, StringComparison.Ordinal);
        Assert.Equal(outside, repo.RevParse("v3.0.0^{commit}"));
    }

    [Fact]
    public async Task An_unchanged_poll_runs_exactly_one_git_process()
    {
        ReleaseRepo releases = ReleaseRepo.Create(NewRepo());
        string root = NewDir().Path;
        int port = Ports.Free();
        GitWrapper git = GitWrapper.Create(NewDir("wrapper"));
        GitSyncProcess p = Start(Args(releases.Repo, root, "--link=link", "--ref-semver=^1", "--period=100ms", "--git=" + git.Path,
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"));
        await WaitForHashAsync(p, Path.Combine(root, "link"), releases.Commits["v1.10.0"]);
        await Poll.UntilAsync(async () => await NoopsAsync(port) >= 2, "2 unchanged polls", p.Diagnostics);

        int before = git.Invocations().Count;
        double noops = await NoopsAsync(port);
        await Poll.UntilAsync(async () => await NoopsAsync(port) >= noops + 6, "6 more unchanged polls", p.Diagnostics);
        double polls = await NoopsAsync(port) - noops;
        IReadOnlyList<string> during = [.. git.Invocations().Skip(before)];

        string expected = "ls-remote --tags -- " + releases.Repo.Url;
        Output.WriteLine("git commands of one unchanged poll: git " + expected);
        Assert.True(during.All(line => line == expected),
            $"unchanged polls ran other git commands:\n{string.Join('\n', during.Where(l => l != expected))}");
        // Each poll is one line; the two counts are read a moment apart, so a poll may fall between them.
        Assert.InRange(during.Count, polls - 1, polls + 1);
    }

    [Fact]
    public async Task A_tag_push_in_range_syncs_at_once_and_one_outside_is_ignored()
    {
        ReleaseRepo releases = ReleaseRepo.Create(NewRepo());
        TestRepo repo = releases.Repo;
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref-semver=~1.10", "--period=1h",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics", "--push-trigger-secret-file=" + SecretFile()));
        await WaitForHashAsync(p, link, releases.Commits["v1.10.0"]);
        using var client = new TriggerClient(port);

        string outside = repo.Commit("version", "v1.11.0");
        repo.Tag("v1.11.0");
        TriggerAnswer ignored = await client.GitHubAsync(PushPayloads.GitHub("refs/tags/v1.11.0", "main", after: outside), Secret);
        Assert.True(ignored.Status == 200 && ignored.Result == "ignored", ignored.ToString());

        string next = repo.Commit("version", "v1.10.1");
        repo.Tag("v1.10.1", annotated: true);
        TriggerAnswer queued = await client.GitHubAsync(PushPayloads.GitHub("refs/tags/v1.10.1", "main", after: next), Secret);
        Assert.True(queued.Status == 202 && queued.Result == "queued", queued.ToString());
        await WaitForHashAsync(p, link, next);
    }

    [Fact]
    public async Task Under_tag_verification_an_unsigned_newest_tag_is_refused_by_name_and_nothing_older_takes_its_place()
    {
        using var keys = new Signers();
        string key = keys.NewSshKey("release");
        string signers = Signers.WriteAllowedSigners(NewDir("trust").Combine("allowed_signers"), key);
        TestRepo repo = NewRepo();
        string signed = repo.Commit("version", "v1.0.0");
        keys.TagSigned(repo, key, "v1.0.0");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string errorFile = Path.Combine(root, "error.json");
        int port = Ports.Free();
        string[] verify = ["--ref-semver=^1", "--verify-signatures=tag", "--trusted-ssh-allowed-signers-file=" + signers];
        GitSyncProcess p = Start(Args(repo, root, ["--link=link", "--period=100ms", "--max-failures=-1", "--error-file=error.json",
            $"--http-bind=127.0.0.1:{port}", "--http-metrics", .. verify]));
        await WaitForHashAsync(p, link, signed);
        using var client = new TriggerClient(port);

        // A newer, unsigned release: refused, reported by name everywhere; the signed one stays.
        string unsigned = repo.Commit("version", "v1.1.0");
        repo.Tag("v1.1.0", annotated: true);
        await Poll.UntilAsync(() => File.Exists(errorFile) && File.ReadAllText(errorFile).Contains("v1.1.0", StringComparison.Ordinal),
            "the error file names v1.1.0", p.Diagnostics);
        Assert.Contains("unsigned", File.ReadAllText(errorFile), StringComparison.Ordinal);
        JsonElement release = (await client.StatusJsonAsync()).GetProperty("refSemver");
        Assert.Equal("v1.1.0", release.GetProperty("rejectedTag").GetString());
        Assert.Equal("v1.0.0", release.GetProperty("tag").GetString());
        Assert.Equal(1, MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_ref_semver_rejected_info",
            "tag=\"v1.1.0\",version=\"1.1.0\",result=\"unsigned\""));
        Assert.Contains(p.StderrLines, l => l.Contains("newest release in range refused", StringComparison.Ordinal) && l.Contains("v1.1.0", StringComparison.Ordinal));
        Assert.Equal(signed, Layout.PublishedHash(link));

        // A signed newer release: published, and the refusal is over.
        string next = repo.Commit("version", "v1.2.0");
        keys.TagSigned(repo, key, "v1.2.0");
        await WaitForHashAsync(p, link, next);
        await Poll.UntilAsync(async () => ServedTag(await client.StatusJsonAsync()) == "v1.2.0", "/status shows v1.2.0", p.Diagnostics);
        Assert.Equal(JsonValueKind.Null, (await client.StatusJsonAsync()).GetProperty("refSemver").GetProperty("rejectedTag").ValueKind);
        Assert.Equal(0, MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_ref_semver_rejected_info",
            "tag=\"v1.1.0\",version=\"1.1.0\",result=\"unsigned\""));
        Assert.NotEqual(unsigned, Layout.PublishedHash(link));

        // A fresh start with an unsigned newest tag publishes nothing, not the older signed one.
        repo.Commit("version", "v1.3.0");
        repo.Tag("v1.3.0", annotated: true);
        string freshRoot = NewDir().Path;
        GitSyncProcess fresh = await RunAsync(Args(repo, freshRoot, ["--one-time", "--link=link", .. verify]));
        Assert.True(fresh.ExitCode == 1, fresh.Diagnostics());
        Assert.Contains("v1.3.0", fresh.Stderr, StringComparison.Ordinal);
        Assert.True(Layout.IsAbsent(Path.Combine(freshRoot, "link")), fresh.Diagnostics());
    }

    [Theory]
    [InlineData("--ref=main", null, "--ref-semver and --ref are mutually exclusive")]
    [InlineData(null, "main", "--ref-semver and $GITSYNC_REF are mutually exclusive")]
    [InlineData("-branch=main", null, "--ref-semver and --branch are mutually exclusive")]
    public async Task An_explicit_ref_together_with_a_range_is_refused(string? flag, string? env, string message)
    {
        string root = NewDir().Path;
        GitSyncProcess p = await RunAsync(
            ["--repo=file:///nonexistent", "--root=" + root, "--ref-semver=^1", .. flag is null ? Array.Empty<string>() : [flag]],
            env is null ? null : new Dictionary<string, string?> { ["GITSYNC_REF"] = env });
        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains(message, p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", p.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ref-semver=latest", "--ref-semver is not a version range")]
    [InlineData("--ref-semver=", "the range is empty")]
    [InlineData("--ref-semver=^1 ||", "alternative of || is empty")]
    public async Task A_malformed_range_is_refused_in_one_line(string flag, string message)
    {
        GitSyncProcess p = await RunAsync(["--repo=file:///nonexistent", "--root=" + NewDir().Path, flag]);
        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains(message, p.Stderr, StringComparison.Ordinal);
        Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Check_prints_the_range_and_what_it_matches_now()
    {
        ReleaseRepo releases = ReleaseRepo.Create(NewRepo());
        GitSyncProcess p = await RunAsync(Args(releases.Repo, NewDir().Path, "--ref-semver=~1.9 || ~1.2", "--verify-signatures=tag",
            "--trusted-ssh-allowed-signers-file=/dev/null", "--check"));
        Assert.True(p.ExitCode == 0, p.Diagnostics());
        using var doc = JsonDocument.Parse(p.Stdout);
        JsonElement semver = doc.RootElement.GetProperty("refSemver");
        Assert.Equal("~1.9 || ~1.2", semver.GetProperty("range").GetString());
        Assert.True(semver.GetProperty("remoteListed").GetBoolean());
        Assert.Equal("v1.9.0", semver.GetProperty("selected").GetProperty("tag").GetString());
        Assert.Equal(releases.Commits["v1.9.0"], semver.GetProperty("selected").GetProperty("commit").GetString());
        Assert.Equal(["v1.9.0", "v1.2.0"], semver.GetProperty("newest").EnumerateArray().Select(e => e.GetString()));

        // An unreachable remote is reported, not a configuration error.
        GitSyncProcess offline = await RunAsync(["--repo=file:///nonexistent/repo", "--root=" + NewDir().Path, "--ref-semver=^1", "--check"]);
        Assert.True(offline.ExitCode == 0, offline.Diagnostics());
        using var offlineDoc = JsonDocument.Parse(offline.Stdout);
        Assert.False(offlineDoc.RootElement.GetProperty("refSemver").GetProperty("remoteListed").GetBoolean());
    }

    private static string? ServedTag(JsonElement status) =>
        status.TryGetProperty("refSemver", out JsonElement r) && r.GetProperty("tag").ValueKind == JsonValueKind.String ? r.GetProperty("tag").GetString() : null;

    private static async Task<double> NoopsAsync(int port) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_count_total", "status=\"noop\"");

    private static async Task<double> ReleaseMetricAsync(int port, string range, string tag, string version) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_ref_semver_info", $"range=\"{range}\",tag=\"{tag}\",version=\"{version}\"");
}
