using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>
/// Base for the credential tests: real servers owned by the test (killed after its git-sync
/// processes), and server logs added to failure messages.
/// </summary>
public abstract class AuthTest(ITestOutputHelper output) : EndToEndTest(output)
{
    protected const string AskpassCalls = "git_sync_askpass_calls";
    protected const string AppTokenRefreshes = "git_sync_refresh_github_app_token_count";
    protected const string Success = "status=\"success\"";
    protected const string Error = "status=\"error\"";

    protected async Task<SmartHttpServer> HttpServerAsync(string user, string password) =>
        Own(await SmartHttpServer.StartAsync(user, password));

    protected async Task<SshServer> SshServerAsync(params SshKeyPair[] authorized) =>
        Own(await SshServer.StartAsync(authorized));

    protected FakeHttpService FakeService(Func<FakeRequest, FakeResponse> handler, int? port = null) =>
        Own(FakeHttpService.Start(handler, port));

    /// <summary>A repo with one commit; returns it and the commit.</summary>
    protected (TestRepo Repo, string Head) RepoWithCommit(string content = "v1", string branch = "main", string name = "repo")
    {
        TestRepo repo = NewRepo(branch, name);
        string head = repo.Commit("file", content);
        return (repo, head);
    }

    /// <summary>Asserts a --one-time run failed and published nothing.</summary>
    protected static void AssertFailedWithoutPublishing(GitSyncProcess p, string link, Func<string>? servers = null)
    {
        Assert.True(p.ExitCode != 0, $"git-sync should have failed\n{p.Diagnostics()}\n{servers?.Invoke()}");
        Assert.True(Layout.IsAbsent(link), $"{link} should not exist after a failed sync\n{p.Diagnostics()}");
    }

    /// <summary>Asserts a --one-time run succeeded and published <paramref name="hash"/>.</summary>
    protected static void AssertPublished(GitSyncProcess p, string link, string hash, Func<string>? servers = null)
    {
        Assert.True(p.ExitCode == 0, $"git-sync exited {p.ExitCode}, expected 0\n{p.Diagnostics()}\n{servers?.Invoke()}");
        Layout.AssertPublished(link, hash, () => p.Diagnostics() + "\n" + servers?.Invoke());
    }

    /// <summary>Polls /metrics until <paramref name="name"/>{<paramref name="labels"/>} reaches <paramref name="atLeast"/>.</summary>
    protected static Task WaitForMetricAsync(GitSyncProcess p, int port, string name, string? labels, double atLeast) =>
        Poll.UntilAsync(
            async () => MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), name, labels) >= atLeast,
            $"{MetricsScraper.Key(name, labels)} >= {atLeast}",
            p.Diagnostics);

    protected static Dictionary<string, string?> Env(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}
