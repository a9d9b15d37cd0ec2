using System.Text.Json;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>GET /status: what an operator curls when a pod looks stuck.</summary>
public sealed class StatusEndpointTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    [Fact]
    public async Task Reports_the_state_before_the_first_sync_after_success_and_after_failures()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir tools = NewDir("tools");
        string gate = tools.Combine("gate");
        // The first fetch waits for the gate: a first sync that has not finished yet.
        GitWrapper git = GitWrapper.Create(tools, $$"""
            if [ "$SUBCOMMAND" = fetch ]; then
              i=0; while [ ! -f '{{gate}}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
            fi
            """);
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=1h", "--max-failures=-1", "--git=" + git.Path,
            $"--http-bind=127.0.0.1:{port}", "--push-trigger-secret-file=" + SecretFile()));
        using var client = new TriggerClient(port);
        await Poll.UntilAsync(() => git.CountWith("fetch") == 1, "the first sync is fetching", p.Diagnostics);

        // Before the first sync.
        JsonElement s = await client.StatusJsonAsync();
        string text = s.ToString();
        Assert.Equal(repo.Url, s.GetProperty("repo").GetString());
        Assert.Equal("HEAD", s.GetProperty("ref").GetString());
        Assert.Equal(link, s.GetProperty("link").GetString());
        Assert.False(s.GetProperty("ready").GetBoolean(), text);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("hash").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("lastSuccessTime").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("lastError").ValueKind);
        Assert.Equal(0, s.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal(0, s.GetProperty("syncCount").GetInt32());
        Assert.Equal("authenticated", s.GetProperty("pushTrigger").GetString());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("lastTrigger").ValueKind);

        // After success.
        DateTime beforeSuccess = DateTime.UtcNow;
        File.WriteAllText(gate, "");
        await WaitForHashAsync(p, link, first);
        await Poll.UntilAsync(async () => (await client.StatusJsonAsync()).GetProperty("syncCount").GetInt32() == 1, "the first sync is counted", p.Diagnostics);
        s = await client.StatusJsonAsync();
        text = s.ToString();
        Assert.True(s.GetProperty("ready").GetBoolean(), text);
        Assert.Equal(first, s.GetProperty("hash").GetString());
        DateTime success = s.GetProperty("lastSuccessTime").GetDateTime();
        Assert.True(success >= beforeSuccess.AddSeconds(-1) && success <= DateTime.UtcNow.AddSeconds(1), text);
        Assert.Equal(success, s.GetProperty("lastUpdateTime").GetDateTime());
        Assert.Equal(1, s.GetProperty("updateCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("lastError").ValueKind);

        // After failures: the remote disappears; two triggered syncs fail.
        string moved = repo.Path + ".moved";
        Directory.Move(repo.Path, moved);
        for (int failures = 1; failures <= 2; failures++)
        {
            Assert.Equal(202, (await client.BearerAsync(Secret)).Status);
            int expected = failures;
            await Poll.UntilAsync(async () => (await client.StatusJsonAsync()).GetProperty("consecutiveFailures").GetInt32() == expected, $"{expected} failures are reported", p.Diagnostics);
        }

        s = await client.StatusJsonAsync();
        text = s.ToString();
        Assert.Contains(repo.Path, s.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, s.GetProperty("lastErrorTime").ValueKind);
        Assert.Equal(2, s.GetProperty("errorCount").GetInt32());
        Assert.Equal(3, s.GetProperty("syncCount").GetInt32());
        Assert.Equal(first, s.GetProperty("hash").GetString());
        Assert.True(s.GetProperty("ready").GetBoolean(), text);
        Assert.Equal(success, s.GetProperty("lastSuccessTime").GetDateTime());
        JsonElement trigger = s.GetProperty("lastTrigger");
        Assert.Equal("bearer", trigger.GetProperty("source").GetString());
        Assert.Equal("queued", trigger.GetProperty("result").GetString());

        // Recovery resets the failure count; the last error stays, with its time, for the record.
        Directory.Move(moved, repo.Path);
        Assert.Equal(202, (await client.BearerAsync(Secret)).Status);
        await Poll.UntilAsync(async () => (await client.StatusJsonAsync()).GetProperty("consecutiveFailures").GetInt32() == 0, "the recovery is reported", p.Diagnostics);
        s = await client.StatusJsonAsync();
        Assert.Equal(4, s.GetProperty("syncCount").GetInt32());
        Assert.Equal(JsonValueKind.String, s.GetProperty("lastError").ValueKind);
        Assert.True(s.GetProperty("lastSuccessTime").GetDateTime() > success, s.ToString());
    }

    [Fact]
    public async Task Never_shows_a_password_and_is_read_only()
    {
        string root = NewDir().Path;
        int port = Ports.Free();
        int closed = Ports.Free();
        GitSyncProcess p = Start(["--repo=http://user:hunter2@127.0.0.1:" + closed + "/repo.git", "--root=" + root, "--period=50ms", "--max-failures=-1",
            $"--http-bind=127.0.0.1:{port}"]);
        using var client = new TriggerClient(port);
        await Poll.UntilAsync(
            async () => (await client.StatusJsonAsync()).GetProperty("errorCount").GetInt32() >= 2,
            "failed syncs are reported",
            p.Diagnostics);

        TriggerAnswer answer = await client.StatusAsync();
        Assert.DoesNotContain("hunter2", answer.Body, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:" + closed, answer.Body, StringComparison.Ordinal);
        Assert.Equal("off", (await client.StatusJsonAsync()).GetProperty("pushTrigger").GetString());

        using var http = new HttpClient();
        using HttpResponseMessage post = await http.PostAsync(client.StatusUri, new ByteArrayContent([]));
        Assert.Equal(405, (int)post.StatusCode);
        using var head = new HttpRequestMessage(HttpMethod.Head, client.StatusUri);
        using HttpResponseMessage headAnswer = await http.SendAsync(head);
        Assert.Equal(200, (int)headAnswer.StatusCode);
    }
}
