using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>Authenticated pushes that can move the ref sync at once; others are answered and ignored.</summary>
public sealed class PushTriggerSyncTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    [Fact]
    public async Task Signed_GitHub_push_queues_a_sync_that_publishes_the_new_commit()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());
        using var client = new TriggerClient(port);

        string next = repo.Commit("file", "v2");
        TriggerAnswer answer = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main", after: next), Secret);

        Assert.True(answer.Status == 202 && answer.Result == "queued", answer.ToString());
        await WaitForHashAsync(p, Path.Combine(root, "link"), next);
        Layout.AssertFile(Path.Combine(root, "link"), "file", "v2", p.Diagnostics);
        Assert.Equal(1, await TriggerMetricAsync(port, "github", "queued"));
    }

    [Fact]
    public async Task GitLab_push_hook_with_its_token_queues_a_sync_that_publishes_the_new_commit()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile(), "--ref=main");
        using var client = new TriggerClient(port);

        string next = repo.Commit("file", "v2");
        TriggerAnswer answer = await client.GitLabAsync(PushPayloads.GitLab("refs/heads/main", "main"), Secret);

        Assert.True(answer.Status == 202 && answer.Result == "queued", answer.ToString());
        await WaitForHashAsync(p, Path.Combine(root, "link"), next);
        Assert.Equal(1, await TriggerMetricAsync(port, "gitlab", "queued"));
    }

    [Fact]
    public async Task Bearer_token_request_queues_a_sync_that_publishes_the_new_commit()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());
        using var client = new TriggerClient(port);

        string next = repo.Commit("file", "v2");
        TriggerAnswer answer = await client.BearerAsync(Secret);

        Assert.True(answer.Status == 202 && answer.Result == "queued", answer.ToString());
        await WaitForHashAsync(p, Path.Combine(root, "link"), next);
        Assert.Equal(1, await TriggerMetricAsync(port, "bearer", "queued"));
    }

    [Fact]
    public async Task Push_to_another_branch_and_ping_are_answered_but_do_not_sync()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, SecretFile());
        using var client = new TriggerClient(port);
        string served = Layout.PublishedHash(link)!;
        // The default branch moved: any sync now would publish it.
        string next = repo.Commit("file", "v2");

        TriggerAnswer other = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/feature", "main"), Secret);
        TriggerAnswer tag = await client.GitHubAsync(PushPayloads.GitHub("refs/tags/v1", "main"), Secret);
        TriggerAnswer ping = await client.GitHubAsync("""{"zen":"Design for failure.","hook_id":42,"hook":{"type":"Repository"}}""", Secret, eventName: "ping");

        foreach (TriggerAnswer answer in new[] { other, tag, ping })
        {
            Assert.True(answer.Status == 200 && answer.Result == "ignored", answer.ToString());
        }

        Assert.Contains("refs/heads/feature", other.Body, StringComparison.Ordinal);
        await AssertNoSyncAsync(p, port, link, served, expectedCount: 1, TimeSpan.FromSeconds(1));
        Assert.Equal(3, await TriggerMetricAsync(port, "github", "ignored"));

        // The same delivery for the default branch does sync.
        TriggerAnswer main = await client.GitHubAsync(PushPayloads.GitHub("refs/heads/main", "main"), Secret);
        Assert.True(main.Status == 202, main.ToString());
        await WaitForHashAsync(p, link, next);
    }
}
