using System.Text;
using System.Text.Json;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>
/// The trigger against forged, duplicated and oversized requests, on raw sockets (an HTTP library
/// would merge duplicated headers or refuse to withhold a body).
/// </summary>
public sealed class PushTriggerHardeningTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Duplicated_credential_or_event_headers_are_refused_whatever_their_order()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());
        string served = Layout.PublishedHash(link)!;
        string next = repo.Commit("file", "v2");
        byte[] push = Encoding.UTF8.GetBytes(PushPayloads.GitHub("refs/heads/main", "main"));
        string right = PushPayloads.Signature(Secret, push);
        string wrong = PushPayloads.Signature("not the secret at all", push);

        var cases = new Dictionary<string, (string Name, string Value)[]>
        {
            ["signature wrong then right"] = [("X-Hub-Signature-256", wrong), ("X-Hub-Signature-256", right)],
            ["signature right then wrong"] = [("X-Hub-Signature-256", right), ("X-Hub-Signature-256", wrong)],
            ["signature right twice"] = [("X-Hub-Signature-256", right), ("x-hub-signature-256", right)],
            ["bearer wrong then right"] = [("Authorization", "Bearer guess"), ("Authorization", "Bearer " + Secret)],
            ["bearer right then wrong"] = [("Authorization", "Bearer " + Secret), ("Authorization", "Bearer guess")],
            ["GitLab token wrong then right"] = [("X-Gitlab-Token", "guess"), ("X-Gitlab-Token", Secret)],
            ["GitLab token right then wrong"] = [("X-Gitlab-Token", Secret), ("X-Gitlab-Token", "guess")],
            ["event twice"] = [("X-Hub-Signature-256", right), ("X-GitHub-Event", "ping"), ("X-GitHub-Event", "push")],
        };
        foreach ((string what, (string, string)[] headers) in cases)
        {
            RawAnswer? answer = await SendAsync(port, headers, push);
            Assert.True(answer is { Status: 400 or 401 }, $"{what}: {answer}");
            Assert.Contains("rejected", answer!.Body, StringComparison.Ordinal);
        }

        await AssertNoSyncAsync(p, port, link, served, expectedCount: 1, TimeSpan.FromSeconds(1));
        Assert.Equal(JsonValueKind.Null, (await StatusAsync(port)).GetProperty("lastTrigger").ValueKind);

        // One copy of each is fine, in any order and letter case.
        RawAnswer? good = await SendAsync(port, [("content-type", "application/json"), ("x-hub-signature-256", right), ("X-GITHUB-EVENT", "push")], push);
        Assert.True(good?.Status == 202, $"single signature: {good}");
        await WaitForHashAsync(p, link, next);
        RawAnswer? bearer = await SendAsync(port, [("AUTHORIZATION", "bearer " + Secret), ("X-GitHub-Event", "push")], push);
        Assert.True(bearer?.Status == 202, $"single bearer: {bearer}");
    }

    [Theory]
    [InlineData("wrong bearer token", "Authorization", "Bearer guess-guess-guess-guess")]
    [InlineData("wrong GitLab token", "X-Gitlab-Token", "guess-guess-guess-guess")]
    [InlineData("no credential", "X-GitHub-Event", "push")]
    public async Task A_request_without_a_valid_header_credential_is_refused_before_its_body_is_sent(string what, string name, string value)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());

        using RawConnection client = await RawConnection.OpenAsync(port);
        // A megabyte announced, not a byte of it sent.
        await client.SendAsync($"POST /trigger HTTP/1.1\r\nHost: git-sync\r\n{name}: {value}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
        RawAnswer? answer = await client.ReadAnswerAsync(AnswerDeadline);

        Assert.True(answer?.Status == 401, $"{what}: {answer}\n{p.Diagnostics()}");
        Assert.Equal("""{"result":"rejected","reason":"unauthorized"}""", answer!.Body.Trim());
        Assert.True(await client.ClosedByServerAsync(AnswerDeadline), $"{what}: the connection stays open for the unread body");
    }

    [Fact]
    public async Task A_valid_token_with_a_body_over_the_limit_is_refused_before_the_body_is_sent()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--push-trigger-max-body-bytes=4096");

        using RawConnection client = await RawConnection.OpenAsync(port);
        await client.SendAsync($"POST /trigger HTTP/1.1\r\nHost: git-sync\r\nAuthorization: Bearer {Secret}\r\nContent-Length: 4097\r\n\r\n");
        RawAnswer? answer = await client.ReadAnswerAsync(AnswerDeadline);

        Assert.True(answer?.Status == 413, $"{answer}\n{p.Diagnostics()}");
        Assert.True(await client.ClosedByServerAsync(AnswerDeadline), "the connection stays open for the unread body");
    }

    [Fact]
    public async Task A_claimed_body_length_is_not_allocated_before_the_bytes_arrive()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--push-trigger-max-body-bytes=67108864", "--http-pprof");
        byte[] push = Encoding.UTF8.GetBytes(PushPayloads.GitHub("refs/heads/main", "main"));

        // Eight signed deliveries announce 64 MiB each and send a kilobyte.
        List<RawConnection> clients = [];
        try
        {
            for (int i = 0; i < 8; i++)
            {
                RawConnection client = await RawConnection.OpenAsync(port);
                clients.Add(client);
                await client.SendAsync($"POST /trigger HTTP/1.1\r\nHost: git-sync\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: {PushPayloads.Signature(Secret, push)}\r\nContent-Length: 67108864\r\n\r\n");
                await client.SendAsync(new byte[1024]);
            }

            // Give the server time to start reading them all.
            await Task.Delay(1000);
            long heap = await GcHeapBytesAsync(port);
            Assert.True(heap < 16L * 1024 * 1024, $"the managed heap holds {heap / 1024} KiB with 8 × 64 MiB announced and 8 KiB received\n{p.Diagnostics()}");
            Assert.True(ProcStatus.Rss(p.Pid) < 96L * 1024 * 1024, $"RSS is {ProcStatus.Rss(p.Pid) / 1024} KiB");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_junk_flood_from_the_same_address_never_locks_out_a_real_webhook()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--push-trigger-rate-limit=1", "--push-trigger-burst=5");
        byte[] push = Encoding.UTF8.GetBytes(PushPayloads.GitHub("refs/heads/main", "main"));
        using var client = new TriggerClient(port);

        var junk = new List<TriggerAnswer>();
        for (int i = 0; i < 15; i++)
        {
            junk.Add(await client.SendAsync(HttpMethod.Post, new ByteArrayContent(push)));
            junk.Add(await client.BearerAsync("guess-guess-guess-guess"));
            junk.Add(await client.GitHubAsync(Encoding.UTF8.GetString(push), "not the secret at all"));
            junk.Add(await client.SendAsync(HttpMethod.Get));
        }

        Assert.All(junk, a => Assert.True(a.Status is 401 or 405 or 429, a.ToString()));
        Assert.True(junk.Count(a => a.Status == 429) >= 40, $"the junk was not rate-limited: {string.Join('\n', junk)}");

        // The flood spent the failure budget; a real delivery from the same address still passes.
        string next = repo.Commit("file", "v2");
        TriggerAnswer signed = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main", after: next), Secret);
        Assert.True(signed.Status == 202, $"signed delivery after the flood: {signed}");
        await WaitForHashAsync(p, link, next);
        TriggerAnswer bearer = await client.BearerAsync(Secret);
        Assert.True(bearer.Status == 202, $"bearer delivery after the flood: {bearer}");
        TriggerAnswer gitlab = await client.GitLabAsync(PushPayloads.GitLab("refs/heads/main", "main"), Secret);
        Assert.True(gitlab.Status == 202, $"GitLab delivery after the flood: {gitlab}");
    }

    [Fact]
    public async Task Slow_signed_bodies_cannot_keep_a_real_delivery_waiting()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());
        string next = repo.Commit("file", "v2");
        byte[] push = Encoding.UTF8.GetBytes(PushPayloads.GitHub("refs/heads/main", "main", after: next));

        // Eight forged deliveries that announce 100 kB and send it at 500 bytes/s, fast enough
        // for the minimum data rate: alone, each would hold a body slot until the 10 s deadline.
        List<RawConnection> slow = [];
        using var stop = new CancellationTokenSource();
        Task trickle = Task.CompletedTask;
        try
        {
            for (int i = 0; i < 8; i++)
            {
                RawConnection client = await RawConnection.OpenAsync(port);
                slow.Add(client);
                await client.SendAsync($"POST /trigger HTTP/1.1\r\nHost: git-sync\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: sha256={new string('0', 64)}\r\nContent-Length: 100000\r\n\r\n");
            }

            trickle = Task.Run(async () =>
            {
                byte[] chunk = new byte[100];
                while (!stop.IsCancellationRequested)
                {
                    foreach (RawConnection client in slow)
                    {
                        await client.TrySendAsync(chunk);
                    }

                    await Task.Delay(200);
                }
            });
            await Task.Delay(1500);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            RawAnswer? real = await SendAsync(port, [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", PushPayloads.Signature(Secret, push))], push);
            Assert.True(real?.Status == 202, $"the real delivery: {real}\n{p.Diagnostics()}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the real delivery waited {clock.Elapsed.TotalSeconds:F1}s behind slow forged bodies");
            await WaitForHashAsync(p, link, next);
        }
        finally
        {
            await stop.CancelAsync();
            await trickle;
            slow.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Only_authenticated_requests_are_recorded_as_the_last_trigger()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        await StartSyncedAsync(repo, root, port, SecretFile());
        using var client = new TriggerClient(port);
        byte[] push = Encoding.UTF8.GetBytes(PushPayloads.GitHub("refs/heads/main", "main"));

        Assert.Equal(202, (await client.BearerAsync(Secret)).Status);
        JsonElement recorded = (await StatusAsync(port)).GetProperty("lastTrigger");
        Assert.Equal("bearer", recorded.GetProperty("source").GetString());
        Assert.Equal("queued", recorded.GetProperty("result").GetString());

        await client.SendAsync(HttpMethod.Post, new ByteArrayContent(push));
        await client.BearerAsync("guess-guess-guess-guess");
        await client.GitHubAsync(Encoding.UTF8.GetString(push), "not the secret at all");
        await client.GitLabAsync(Encoding.UTF8.GetString(push), "guess-guess-guess-guess");
        await client.SendAsync(HttpMethod.Get);
        await SendAsync(port, [("X-Gitlab-Token", Secret), ("X-Gitlab-Token", Secret)], push);

        JsonElement after = (await StatusAsync(port)).GetProperty("lastTrigger");
        Assert.Equal(recorded.ToString(), after.ToString());
        IReadOnlyDictionary<string, double> metrics = await MetricsScraper.ScrapeAsync(port);
        Assert.True(MetricsScraper.Value(metrics, "git_sync_push_trigger_rejected_total", "reason=\"unauthorized\"") == 4, "the refused requests are still counted");
    }

    [Fact]
    public async Task A_POST_without_a_body_length_is_accepted()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());
        string next = repo.Commit("file", "v2");

        using RawConnection client = await RawConnection.OpenAsync(port);
        await client.SendAsync($"POST /trigger HTTP/1.1\r\nHost: git-sync\r\nAuthorization: Bearer {Secret}\r\n\r\n");
        RawAnswer? answer = await client.ReadAnswerAsync(AnswerDeadline);

        Assert.True(answer?.Status == 202, $"{answer}\n{p.Diagnostics()}");
        await WaitForHashAsync(p, link, next);
    }

    [Fact]
    public async Task A_secret_shorter_than_16_characters_is_refused_at_start_up()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        GitSyncProcess p = await RunAsync(Args(repo, root, $"--http-bind=127.0.0.1:{Ports.Free()}", "--push-trigger-secret-file=" + SecretFile("hunter2-hunter2\n")));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains("--push-trigger-secret-file", p.Stderr, StringComparison.Ordinal);
        Assert.Contains("at least 16", p.Stderr, StringComparison.Ordinal);
        Assert.Contains("head -c 32 /dev/urandom | base64", p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", p.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, ".git")), "nothing was synced");
    }

    /// <summary>A POST /trigger with exactly these headers (copies and order kept) and <paramref name="body"/>.</summary>
    private static async Task<RawAnswer?> SendAsync(int port, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        var head = new StringBuilder("POST /trigger HTTP/1.1\r\nHost: git-sync\r\n");
        foreach ((string name, string value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");
        using RawConnection client = await RawConnection.OpenAsync(port);
        await client.SendAsync(head.ToString());
        await client.TrySendAsync(body);
        return await client.ReadAnswerAsync(AnswerDeadline);
    }

    private static async Task<JsonElement> StatusAsync(int port)
    {
        using var client = new TriggerClient(port);
        return await client.StatusJsonAsync();
    }

    private static async Task<long> GcHeapBytesAsync(int port)
    {
        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/debug/pprof/"));
        string line = text.Split('\n').Single(l => l.StartsWith("gc_heap_size_bytes:", StringComparison.Ordinal));
        return long.Parse(line.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
