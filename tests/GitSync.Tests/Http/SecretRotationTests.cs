using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Http;

/// <summary>The secret file is re-read when it changes: rotation without a restart.</summary>
public sealed class SecretRotationTests(ITestOutputHelper output) : PushTriggerTest(output)
{
    [Fact]
    public async Task A_rotated_secret_takes_effect_without_a_restart()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        // Laid out like a Kubernetes secret volume: token -> ..data/token, ..data -> ..<version>.
        TempDir volume = NewDir("volume");
        Directory.CreateDirectory(volume.Combine("..v1"));
        File.WriteAllText(volume.Combine("..v1", "token"), "old-webhook-secret\n");
        File.CreateSymbolicLink(volume.Combine("..data"), "..v1");
        File.CreateSymbolicLink(volume.Combine("token"), "..data/token");
        int port = Ports.Free();
        GitSyncProcess p = await StartSyncedAsync(repo, root, port, volume.Combine("token"));
        using var client = new TriggerClient(port);
        string push = PushPayloads.GitHub("refs/heads/main", "main");

        Assert.Equal(202, (await client.GitHubAsync(push, "old-webhook-secret")).Status);

        // Rotate the way the kubelet does: a new version directory, a new ..data link renamed over the old.
        Directory.CreateDirectory(volume.Combine("..v2"));
        File.WriteAllText(volume.Combine("..v2", "token"), "new-webhook-secret\n");
        File.CreateSymbolicLink(volume.Combine("..data_tmp"), "..v2");
        GitSync.Platform.Native.Rename(volume.Combine("..data_tmp"), volume.Combine("..data"));

        Assert.Equal(401, (await client.GitHubAsync(push, "old-webhook-secret")).Status);
        string next = repo.Commit("file", "v2");
        TriggerAnswer answer = await client.GitHubAsync(push, "new-webhook-secret");
        Assert.True(answer.Status == 202, answer.ToString());
        await WaitForHashAsync(p, link, next);

        // During a staged rotation the file may list both; either is accepted.
        File.WriteAllText(volume.Combine("..v2", "token"), "new-webhook-secret\nnewer-webhook-secret\n");
        Assert.Equal(202, (await client.BearerAsync("newer-webhook-secret")).Status);
        Assert.Equal(202, (await client.GitLabAsync(push, "new-webhook-secret")).Status);
        Assert.Equal(401, (await client.BearerAsync("old-webhook-secret")).Status);
        Assert.Contains("push trigger secret reloaded", p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("new-webhook-secret", p.Stderr, StringComparison.Ordinal);
    }
}
