using System.Text;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>Requests that must not cause a sync: bad credentials, bad bodies, wrong methods, floods.</summary>
public sealed class PushTriggerRejectionTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    [Fact]
    public async Task Rejects_bad_credentials_bodies_and_methods_without_syncing()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--push-trigger-max-body-bytes=4096");
        using var client = new TriggerClient(port);
        string served = Layout.PublishedHash(link)!;
        // Any sync from here on would publish this commit.
        string next = repo.Commit("file", "v2");
        string push = PushPayloads.GitHub("refs/heads/main", "main");
        byte[] pushBytes = Encoding.UTF8.GetBytes(push);

        var unauthorized = new Dictionary<string, TriggerAnswer>
        {
            ["wrong secret"] = await client.GitHubAsync(push, "not the secret"),
            ["missing signature"] = await client.GitHubAsync(push, secret: null),
            ["malformed signature"] = await client.GitHubAsync(push, secret: null, signature: "sha256=xyz"),
            ["signature of another body"] = await client.GitHubAsync(push + " ", secret: null, signature: PushPayloads.Signature(Secret, pushBytes)),
            ["wrong GitLab token"] = await client.GitLabAsync(push, Secret + "x"),
            ["wrong bearer token"] = await client.BearerAsync("guess"),
            ["no credentials"] = await client.SendAsync(HttpMethod.Post, new ByteArrayContent(pushBytes)),
            ["good bearer with a bad signature"] = await client.SendAsync(HttpMethod.Post, new ByteArrayContent(pushBytes) { Headers = { { "X-Hub-Signature-256", "sha256=" + new string('0', 64) } } }, bearer: Secret),
            ["half the body, signature of the whole"] = await client.GitHubAsync(push[..(push.Length / 2)], secret: null, signature: PushPayloads.Signature(Secret, pushBytes)),
        };
        foreach ((string what, TriggerAnswer answer) in unauthorized)
        {
            Assert.True(answer.Status == 401, $"{what}: {answer}");
            // The same answer whatever was wrong: nothing for a prober to learn.
            Assert.Equal("""{"result":"rejected","reason":"unauthorized"}""", answer.Body.Trim());
        }

        TriggerAnswer oversized = await client.SendAsync(HttpMethod.Post, new ByteArrayContent(new byte[8192]), bearer: Secret);
        Assert.True(oversized.Status == 413, "oversized: " + oversized);
        var chunked = new StreamContent(new MemoryStream(new byte[8192]));
        TriggerAnswer oversizedChunked = await client.SendAsync(HttpMethod.Post, chunked, bearer: Secret);
        Assert.True(oversizedChunked.Status == 413, "oversized, chunked: " + oversizedChunked);

        foreach (HttpMethod method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete })
        {
            TriggerAnswer answer = await client.SendAsync(method, method == HttpMethod.Get ? null : new ByteArrayContent([]), bearer: Secret);
            Assert.True(answer.Status == 405, $"{method}: {answer}");
            Assert.Equal("POST", answer.Headers["Allow"]);
        }

        // A delivery cut off in transit: the signature is right for the whole body, but only half arrives.
        string truncated = await TriggerClient.TruncatedAsync(
            port,
            new Dictionary<string, string> { ["X-GitHub-Event"] = "push", ["X-Hub-Signature-256"] = PushPayloads.Signature(Secret, pushBytes) },
            pushBytes[..(pushBytes.Length / 2)],
            pushBytes.Length);
        // Kestrel ends a connection whose body stops short of its Content-Length without answering
        // (the request can no longer be answered reliably); it is counted as truncated below.
        Assert.True(truncated.Length == 0 || truncated.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), "truncated: " + truncated);

        await AssertNoSyncAsync(p, port, link, served, expectedCount: 1, TimeSpan.FromSeconds(1));
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.Equal(unauthorized.Count, MetricsScraper.Value(metrics, "git_sync_push_trigger_rejected_total", "reason=\"unauthorized\""));
        Assert.Equal(2, MetricsScraper.Value(metrics, "git_sync_push_trigger_rejected_total", "reason=\"too_large\""));
        Assert.Equal(3, MetricsScraper.Value(metrics, "git_sync_push_trigger_rejected_total", "reason=\"method_not_allowed\""));
        await Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), "git_sync_push_trigger_rejected_total", "reason=\"truncated\"") == 1,
            "the truncated delivery is counted",
            p.Diagnostics);

        // The setup could sync all along: a good delivery does.
        TriggerAnswer good = await client.GitHubAsync(push, Secret);
        Assert.True(good.Status == 202, good.ToString());
        await WaitForHashAsync(p, link, next);
        Assert.DoesNotContain(Secret, p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limits_the_request_rate_of_each_source()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--push-trigger-rate-limit=1", "--push-trigger-burst=3");
        using var client = new TriggerClient(port);

        var answers = new List<TriggerAnswer>();
        for (int i = 0; i < 12; i++)
        {
            answers.Add(await client.BearerAsync(Secret));
        }

        string all = string.Join('\n', answers);
        Assert.All(answers.Take(3), a => Assert.Equal(202, a.Status));
        List<TriggerAnswer> limited = [.. answers.Where(a => a.Status == 429)];
        // 12 requests within well under a second of a 1/s refill: at most a couple more get through.
        Assert.True(limited.Count >= 6, all);
        Assert.All(limited, a => Assert.True(int.Parse(a.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) >= 1));
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.Equal(limited.Count, MetricsScraper.Value(metrics, "git_sync_push_trigger_rejected_total", "reason=\"rate_limited\""));
        Assert.False(p.HasExited, p.Diagnostics());
    }

    [Fact]
    public async Task Runs_unauthenticated_only_with_the_explicit_flag()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        // No trigger flag: no trigger endpoint.
        int port = Ports.Free();
        GitSyncProcess plain = Start(Args(repo, root, "--link=link", "--period=1h", $"--http-bind=127.0.0.1:{port}"));
        await WaitForHashAsync(plain, link, repo.Head);
        using (var client = new TriggerClient(port))
        {
            Assert.Equal(404, (await client.SendAsync(HttpMethod.Post, new ByteArrayContent([]))).Status);
        }

        plain.Kill();
        int insecurePort = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=1h", $"--http-bind=127.0.0.1:{insecurePort}", "--push-trigger-insecure-no-auth"));
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(insecurePort) == 200, "the restarted git-sync is ready", p.Diagnostics);
        Assert.Contains("push trigger accepts unauthenticated requests", p.Stderr, StringComparison.Ordinal);
        string next = repo.Commit("file", "v2");
        using var insecure = new TriggerClient(insecurePort);
        TriggerAnswer answer = await insecure.SendAsync(HttpMethod.Post, new ByteArrayContent([]));
        Assert.True(answer.Status == 202, answer.ToString());
        await WaitForHashAsync(p, link, next);
    }

    [Fact]
    public async Task Refuses_to_start_with_a_missing_secret_file()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        GitSyncProcess p = await RunAsync(Args(repo, root, $"--http-bind=127.0.0.1:{Ports.Free()}", "--push-trigger-secret-file=" + NewDir("secret").Combine("missing")));
        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains("--push-trigger-secret-file", p.Stderr, StringComparison.Ordinal);
    }
}
