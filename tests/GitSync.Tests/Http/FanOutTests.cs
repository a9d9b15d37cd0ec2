using System.Diagnostics;
using System.Net;
using System.Text;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>
/// <c>--push-trigger-peers</c>: a webhook that reaches one replica reaches them all. The replicas
/// are real git-sync processes on 127.0.0.2, 127.0.0.3, … with one port, like the pods of a
/// Deployment; each runs in a private mount namespace whose <c>/etc/hosts</c> lists all of them
/// under one name (<see cref="ServiceName"/>), which is what a headless Service's DNS answers.
/// </summary>
public sealed class FanOutTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    private const string ServiceName = "replicas.fanout.test";
    private const string Marker = "X-Git-Sync-Forwarded";

    [Fact]
    public async Task One_signed_webhook_to_one_replica_publishes_on_every_replica_each_receiving_it_once()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        int port = Ports.Free();
        string secret = SecretFile();
        List<Replica> replicas = await StartFleetAsync(repo, 4, port, secret, $"{ServiceName}:{port}");
        Replica origin = replicas[1];
        using var client = new TriggerClient(port, origin.Address);

        string next = repo.Commit("file", "v2");
        var clock = Stopwatch.StartNew();
        TriggerAnswer answer = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main", after: next), Secret);
        long answeredMs = clock.ElapsedMilliseconds;

        Assert.True(answer.Status == 202 && answer.Result == "queued", answer.ToString());
        await Poll.UntilAsync(
            () => replicas.All(r => Layout.PublishedHash(r.Link) == next),
            TimeSpan.FromSeconds(10),
            $"all {replicas.Count} replicas publish {next[..8]}",
            () => Describe(replicas));
        Output.WriteLine($"answered after {answeredMs} ms; all {replicas.Count} replicas published {clock.ElapsedMilliseconds} ms after the webhook was sent (load average {LoadAverage()})");

        // The origin forwarded to each other replica once, and nobody forwarded a forward: every
        // replica received exactly one request, and only the origin's marker was seen.
        await Poll.UntilAsync(async () => await ForwardsAsync(origin, "delivered") == replicas.Count - 1, "the origin counts its forwards as delivered", () => Describe(replicas));
        string instance = InstanceOf(origin);
        await Task.Delay(TimeSpan.FromSeconds(1)); // a forwarded forward would have arrived by now
        foreach (Replica r in replicas)
        {
            Assert.True(await TriggerMetricAsync(r, "github", "queued") == 1, $"{r.Address} received {await TriggerMetricAsync(r, "github", "queued")} deliveries\n{Describe(replicas)}");
            if (r != origin)
            {
                Assert.True(await AllForwardsAsync(r) == 0, $"{r.Address} forwarded a forwarded request\n{r.Process.Diagnostics()}");
                Assert.Contains($"\"forwardedBy\":\"{instance}\"", r.Process.Stderr, StringComparison.Ordinal);
            }
        }

        Assert.Equal(replicas.Count - 1, await AllForwardsAsync(origin));
    }

    [Fact]
    public async Task A_request_carrying_the_forward_marker_is_served_but_not_forwarded_again()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        int port = Ports.Free();
        string secret = SecretFile();
        List<Replica> replicas = await StartFleetAsync(repo, 3, port, secret, $"{ServiceName}:{port}");
        string served = repo.Head;
        Replica target = replicas[0];

        string next = repo.Commit("file", "v2");
        TriggerAnswer answer = await SignedAsync(target, PushPayloads.GitHub("refs/heads/main", "main", after: next), Secret, (Marker, "0123456789abcdef0123456789abcdef"));

        Assert.True(answer.Status == 202 && answer.Result == "queued", answer.ToString());
        await WaitForHashAsync(target.Process, target.Link, next);
        var window = Stopwatch.StartNew();
        while (window.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Assert.True(await AllForwardsAsync(target) == 0, $"a forwarded request was forwarded again\n{target.Process.Diagnostics()}");
            foreach (Replica other in replicas.Skip(1))
            {
                Assert.True(Layout.PublishedHash(other.Link) == served, $"{other.Address} synced: it got the request from {target.Address}\n{Describe(replicas)}");
                Assert.True(await TriggerMetricAsync(other, "github", "queued") == 0, $"{other.Address} received a forward\n{Describe(replicas)}");
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Dead_and_hung_peers_do_not_delay_the_answer_or_the_live_peers()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        int port = Ports.Free();
        string secret = SecretFile();
        // 127.0.0.6: nothing listens (connection refused); 127.0.0.7: accepts and never answers.
        using var hung = new HungPeer(IPAddress.Parse("127.0.0.7"), port);
        Replica live = await StartReplicaAsync(repo, "127.0.0.3", port, secret, peers: null);
        Replica origin = await StartReplicaAsync(repo, "127.0.0.2", port, secret, peers: $"127.0.0.6:{port},127.0.0.7:{port},127.0.0.3:{port}");
        await WaitForHashAsync(live.Process, live.Link, repo.Head);
        await WaitForHashAsync(origin.Process, origin.Link, repo.Head);
        using var client = new TriggerClient(port, origin.Address);

        string next = repo.Commit("file", "v2");
        var clock = Stopwatch.StartNew();
        TriggerAnswer answer = await client.BearerAsync(Secret);
        long answeredMs = clock.ElapsedMilliseconds;
        // Scraped right after the answer: the hung forward (given up after a timeout) is still
        // pending, so the answer did not wait for it.
        double timeoutsWhenAnswered = await ForwardsAsync(origin, "timeout");

        Assert.True(answer.Status == 202 && answer.Result == "queued", answer.ToString());
        Assert.True(timeoutsWhenAnswered == 0, $"a forward had already timed out when the answer arrived ({answeredMs} ms)\n{origin.Process.Diagnostics()}");
        await WaitForHashAsync(live.Process, live.Link, next);
        Output.WriteLine($"answered after {answeredMs} ms; the live peer published {clock.ElapsedMilliseconds} ms after the request (load average {LoadAverage()})");

        await Poll.UntilAsync(
            async () => await ForwardsAsync(origin, "delivered") == 1 && await ForwardsAsync(origin, "error") == 1 && await ForwardsAsync(origin, "timeout") == 1,
            "the forwards are counted: one delivered, one refused connection, one timeout",
            () => origin.Process.Diagnostics());
        Assert.True(hung.Connections >= 1 && hung.Received.Contains(Marker + ": ", StringComparison.OrdinalIgnoreCase), $"the hung peer got no forward: {hung.Received}");
        string log = origin.Process.Stderr;
        Assert.Contains("\"peer\":\"127.0.0.6:" + port, log, StringComparison.Ordinal);
        Assert.Contains("\"peer\":\"127.0.0.7:" + port, log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_forwards_are_refused_like_any_forged_request()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        int port = Ports.Free();
        string secret = SecretFile();
        Replica peer = await StartReplicaAsync(repo, "127.0.0.3", port, secret, peers: null);
        // On 127.0.0.1 so that raw connections (which only go to loopback's first address) reach it.
        Replica target = await StartReplicaAsync(repo, "127.0.0.1", port, secret, peers: $"127.0.0.3:{port}");
        await WaitForHashAsync(peer.Process, peer.Link, repo.Head);
        await WaitForHashAsync(target.Process, target.Link, repo.Head);
        string served = repo.Head;
        repo.Commit("file", "v2");
        string body = PushPayloads.GitHub("refs/heads/main", "main");
        string forwardMarker = "0123456789abcdef0123456789abcdef";

        TriggerAnswer plainForgery = await SignedAsync(target, body, "not the secret at all");
        TriggerAnswer forgedForward = await SignedAsync(target, body, "not the secret at all", (Marker, forwardMarker));
        TriggerAnswer unsigned = await SignedAsync(target, body, secret: null, (Marker, forwardMarker));
        using var client = new TriggerClient(port, target.Address);
        TriggerAnswer wrongBearer = await client.SendAsync(HttpMethod.Post, new ByteArrayContent([]), bearer: "guess");

        Assert.True(plainForgery.Status == 401, plainForgery.ToString());
        foreach (TriggerAnswer forged in new[] { forgedForward, unsigned })
        {
            Assert.Equal((plainForgery.Status, plainForgery.Body), (forged.Status, forged.Body));
        }

        Assert.True(wrongBearer.Status == 401 && wrongBearer.Result == "rejected", wrongBearer.ToString());

        // A marker sent twice is refused before anything else, like a duplicated credential.
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        RawAnswer? twice = await RawAsync(port, [("X-Hub-Signature-256", PushPayloads.Signature(Secret, bytes)), ("X-GitHub-Event", "push"), (Marker, forwardMarker), (Marker, "another")], bytes);
        Assert.True(twice is { Status: 400 } && twice.Body.Contains("duplicate_header", StringComparison.Ordinal), $"marker twice: {twice}");

        IReadOnlyDictionary<string, double> m = await MetricsScraper.ScrapeAsync(target.Address, port);
        Assert.Equal(4, MetricsScraper.Value(m, "git_sync_push_trigger_rejected_total", "reason=\"unauthorized\""));
        await AssertNoSyncAsync(target.Process, port, target.Link, served, expectedCount: 1, TimeSpan.FromSeconds(1));
        Assert.Equal(0, await AllForwardsAsync(target));
        Assert.Equal(0, await TriggerMetricAsync(peer, "github", "queued") + await TriggerMetricAsync(peer, "github", "rejected"));
        Assert.DoesNotContain("forwardedBy", target.Process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replicas_own_forward_coming_back_through_another_address_is_recognised_and_not_synced_twice()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        int port = Ports.Free();
        string secret = SecretFile();
        // 127.0.0.8 leads back to the replica on 127.0.0.2 without being one of its addresses.
        using var relay = new TcpRelay(new IPEndPoint(IPAddress.Parse("127.0.0.8"), port), new IPEndPoint(IPAddress.Parse("127.0.0.2"), port));
        Replica replica = await StartReplicaAsync(repo, "127.0.0.2", port, secret, peers: $"127.0.0.8:{port},127.0.0.2:{port}");
        await WaitForHashAsync(replica.Process, replica.Link, repo.Head);
        using var client = new TriggerClient(port, replica.Address);

        string next = repo.Commit("file", "v2");
        TriggerAnswer answer = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main", after: next), Secret);

        Assert.True(answer.Status == 202, answer.ToString());
        await WaitForHashAsync(replica.Process, replica.Link, next);
        // Its own bound address is skipped; the relayed copy arrives, is authenticated, and is
        // recognised by the marker: answered "ignored", and no second sync is queued.
        await Poll.UntilAsync(async () => await TriggerMetricAsync(replica, "github", "ignored") == 1, "the forward that came back is ignored", () => replica.Process.Diagnostics());
        Assert.Equal(1, relay.Connections);
        Assert.Equal(1, await ForwardsAsync(replica, "delivered"));
        Assert.Equal(1, await TriggerMetricAsync(replica, "github", "queued"));
        Assert.Contains("forwarded by this replica", replica.Process.Stderr, StringComparison.Ordinal);
        await Poll.UntilAsync(async () => await SyncCountAsync(replica) == 2, "the triggered sync is counted", () => replica.Process.Diagnostics());
        var window = Stopwatch.StartNew();
        while (window.Elapsed < TimeSpan.FromSeconds(1))
        {
            Assert.True(await SyncCountAsync(replica) == 2, $"the forward that came back queued another sync\n{replica.Process.Diagnostics()}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_peer_name_is_resolved_again_at_each_forward()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        int port = Ports.Free();
        string secret = SecretFile();
        // The name first answers with 127.0.0.2 and .3; .4 runs but is not (yet) behind it, as a
        // pod that is not ready is not in a headless Service's answer.
        string hostsFile = NewDir("hosts").Combine("hosts");
        WriteHosts(hostsFile, "127.0.0.2", "127.0.0.3");
        string peers = $"{ServiceName}:{port}";
        Replica origin = await StartReplicaAsync(repo, "127.0.0.2", port, secret, peers, hostsFile);
        Replica leaving = await StartReplicaAsync(repo, "127.0.0.3", port, secret, peers, hostsFile);
        Replica joining = await StartReplicaAsync(repo, "127.0.0.4", port, secret, peers, hostsFile);
        Replica[] all = [origin, leaving, joining];
        foreach (Replica r in all)
        {
            await WaitForHashAsync(r.Process, r.Link, repo.Head);
        }

        using var client = new TriggerClient(port, origin.Address);

        string second = repo.Commit("file", "v2");
        Assert.Equal(202, (await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main", after: second), Secret)).Status);
        await WaitForHashAsync(leaving.Process, leaving.Link, second);
        await Poll.UntilAsync(async () => await ForwardsAsync(origin, "delivered") == 1, "the first push is forwarded once", () => Describe(all));
        Assert.Equal(0, await TriggerMetricAsync(joining, "github", "queued"));

        // The same file, rewritten in place (the bind mount keeps showing it): .3 leaves, .4 joins.
        WriteHosts(hostsFile, "127.0.0.2", "127.0.0.4");
        string third = repo.Commit("file", "v3");
        Assert.Equal(202, (await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main", after: third), Secret)).Status);
        await WaitForHashAsync(joining.Process, joining.Link, third);
        await Poll.UntilAsync(async () => await ForwardsAsync(origin, "delivered") == 2, "the second push is forwarded once", () => Describe(all));

        Assert.Equal(1, await TriggerMetricAsync(joining, "github", "queued"));
        Assert.Equal(1, await TriggerMetricAsync(leaving, "github", "queued"));
        Assert.Equal(second, Layout.PublishedHash(leaving.Link));
        Assert.Equal(2, await AllForwardsAsync(origin));
    }

    private static void WriteHosts(string path, params string[] addresses)
    {
        var hosts = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
        foreach (string address in addresses)
        {
            hosts.Append(address).Append(' ').Append(ServiceName).Append('\n');
        }

        // Truncated and written again, not replaced: a bind mount follows the file, not its name.
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write(Encoding.ASCII.GetBytes(hosts.ToString()));
    }

    /// <summary>One replica: where it listens, its root and its process.</summary>
    private sealed record Replica(string Address, int Port, string Root, GitSyncProcess Process)
    {
        public string Link => Path.Combine(Root, "link");
    }

    /// <summary>Starts <paramref name="count"/> replicas on 127.0.0.2… that all see <see cref="ServiceName"/> resolve to every one of them; waits until each has published.</summary>
    private async Task<List<Replica>> StartFleetAsync(TestRepo repo, int count, int port, string secret, string peers)
    {
        var hosts = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
        for (int i = 0; i < count; i++)
        {
            hosts.Append("127.0.0.").Append(i + 2).Append(' ').Append(ServiceName).Append('\n');
        }

        string hostsFile = NewDir("hosts").Combine("hosts");
        File.WriteAllText(hostsFile, hosts.ToString());
        var replicas = new List<Replica>();
        for (int i = 0; i < count; i++)
        {
            replicas.Add(await StartReplicaAsync(repo, $"127.0.0.{i + 2}", port, secret, peers, hostsFile));
        }

        foreach (Replica r in replicas)
        {
            await WaitForHashAsync(r.Process, r.Link, repo.Head);
        }

        return replicas;
    }

    /// <summary>Starts one replica (without waiting for its first sync); with <paramref name="hostsFile"/>, that file is its /etc/hosts.</summary>
    private Task<Replica> StartReplicaAsync(TestRepo repo, string address, int port, string secret, string? peers, string? hostsFile = null)
    {
        string root = NewDir().Path;
        string[] args = Args(repo, root, ["--link=link", "--period=1h", $"--http-bind={address}:{port}", "--http-metrics",
            "--push-trigger-secret-file=" + secret, "-v=2", .. peers is null ? Array.Empty<string>() : ["--push-trigger-peers=" + peers]]);
        IReadOnlyList<string>? launcher = hostsFile is null ? null :
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", $"mount --bind '{hostsFile}' /etc/hosts && exec \"$@\"", "with-hosts"];
        return Task.FromResult(new Replica(address, port, root, Start(args, launcher: launcher)));
    }

    /// <summary>A GitHub push signed with <paramref name="secret"/> (none: unsigned), with extra headers.</summary>
    private static async Task<TriggerAnswer> SignedAsync(Replica replica, string body, string? secret, params (string Name, string Value)[] extra)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://{replica.Address}:{replica.Port}/trigger")) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "push");
        if (secret is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", PushPayloads.Signature(secret, bytes));
        }

        foreach ((string name, string value) in extra)
        {
            request.Headers.Add(name, value);
        }

        using HttpResponseMessage response = await http.SendAsync(request);
        return await TriggerAnswer.FromAsync(response);
    }

    /// <summary>A request written byte for byte (an HTTP library would merge a header sent twice).</summary>
    private static async Task<RawAnswer?> RawAsync(int port, IEnumerable<(string Name, string Value)> headers, byte[] body)
    {
        var head = new StringBuilder("POST /trigger HTTP/1.1\r\nHost: git-sync\r\nContent-Type: application/json\r\n");
        foreach ((string name, string value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");
        using RawConnection connection = await RawConnection.OpenAsync(port);
        await connection.SendAsync(head.ToString());
        await connection.TrySendAsync(body);
        return await connection.ReadAnswerAsync(TimeSpan.FromSeconds(15));
    }

    private static async Task<double> ForwardsAsync(Replica r, string result) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(r.Address, r.Port), "git_sync_push_trigger_forwards_total", $"result=\"{result}\"");

    private static async Task<double> AllForwardsAsync(Replica r)
    {
        IReadOnlyDictionary<string, double> m = await MetricsScraper.ScrapeAsync(r.Address, r.Port);
        return m.Where(kv => kv.Key.StartsWith("git_sync_push_trigger_forwards_total", StringComparison.Ordinal)).Sum(kv => kv.Value);
    }

    private static async Task<double> TriggerMetricAsync(Replica r, string source, string result) =>
        MetricsScraper.Value(await MetricsScraper.ScrapeAsync(r.Address, r.Port), "git_sync_push_trigger_requests_total", $"source=\"{source}\",result=\"{result}\"");

    private static async Task<double> SyncCountAsync(Replica r)
    {
        IReadOnlyDictionary<string, double> m = await MetricsScraper.ScrapeAsync(r.Address, r.Port);
        return m.Where(kv => kv.Key.StartsWith("git_sync_count_total{", StringComparison.Ordinal)).Sum(kv => kv.Value);
    }

    /// <summary>The instance marker a replica logged at start-up.</summary>
    private static string InstanceOf(Replica r)
    {
        string line = r.Process.StderrLines.First(l => l.Contains("\"push trigger forwards to peers\"", StringComparison.Ordinal));
        int at = line.IndexOf("\"instance\":\"", StringComparison.Ordinal) + "\"instance\":\"".Length;
        return line[at..line.IndexOf('"', at)];
    }

    private static string Describe(IEnumerable<Replica> replicas) =>
        string.Join("\n", replicas.Select(r => $"=== {r.Address}: link -> {Layout.TargetOf(r.Link) ?? "none"}\n{r.Process.Diagnostics(20)}"));

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
