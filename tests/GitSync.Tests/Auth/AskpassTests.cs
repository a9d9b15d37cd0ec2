using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>--askpass-url: a real HTTP service answering credentials before every sync, in front of the real smart-HTTP server.</summary>
public sealed class AskpassTests(ITestOutputHelper output) : AuthTest(output)
{
    private const string User = "my-username";
    private const string Password = "my-password";

    private static FakeResponse Credentials(string password) => FakeResponse.Ok($"username={User}\npassword={password}\n");

    [Fact]
    public async Task Wrong_password_from_askpass_fails()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        FakeHttpService askpass = FakeService(_ => Credentials("wrong"));
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--askpass-url=" + askpass.Url]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
        Assert.NotEmpty(askpass.Requests);
    }

    [Fact]
    public async Task Correct_password_from_askpass_syncs_and_is_counted()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        FakeHttpService askpass = FakeService(_ => Credentials(Password));
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms",
            "--askpass-url=" + askpass.Url, $"--http-bind=127.0.0.1:{port}", "--http-metrics"]);
        await WaitForHashAsync(p, link, first);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);

        // Called before every sync, not once.
        await WaitForMetricAsync(p, port, AskpassCalls, Success, 3);
        Assert.Equal(0, MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), AskpassCalls, Error));
        Assert.All(askpass.Requests, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task Sometimes_wrong_password_converges_within_the_failure_budget()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        FakeHttpService askpass = FakeService(r => Credentials(r.Number % 2 == 1 ? "wrong" : Password));
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms", "--max-failures=2",
            "--askpass-url=" + askpass.Url]);

        await WaitForHashAsync(p, link, first);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        string third = repo.ResetHard("HEAD^");
        await WaitForHashAsync(p, link, third);
        Layout.AssertFile(link, "file", "v1", p.Diagnostics);
        Assert.False(p.HasExited, p.Diagnostics());
    }

    [Fact]
    public async Task Flaky_askpass_service_fails_those_syncs_and_converges()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        FakeHttpService askpass = FakeService(r => r.Number % 2 == 1 ? new FakeResponse(503, "try later") : Credentials(Password));
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms", "--max-failures=2",
            "--askpass-url=" + askpass.Url, $"--http-bind=127.0.0.1:{port}", "--http-metrics", "--error-file=error.json"]);

        await WaitForHashAsync(p, link, first);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        await WaitForMetricAsync(p, port, AskpassCalls, Error, 2);
        await WaitForMetricAsync(p, port, AskpassCalls, Success, 2);
        Assert.Contains("503", p.Stderr, StringComparison.Ordinal);
        Assert.False(p.HasExited, p.Diagnostics());
    }

    [Fact]
    public async Task Askpass_service_that_starts_late_is_retried_until_it_answers()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int askpassPort = Ports.Free();
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=200ms", "--max-failures=-1",
            $"--askpass-url=http://127.0.0.1:{askpassPort}/git_askpass", $"--http-bind=127.0.0.1:{port}", "--http-metrics"]);

        // Nothing listens yet: every sync fails (connection refused), none publishes.
        await WaitForMetricAsync(p, port, AskpassCalls, Error, 3);
        Assert.True(Layout.IsAbsent(link), p.Diagnostics());
        Assert.False(p.HasExited, p.Diagnostics());

        FakeHttpService askpass = FakeService(_ => Credentials(Password), askpassPort);
        await WaitForHashAsync(p, link, head);
        Assert.Contains(askpass.Requests, r => r.Path == "/git_askpass");
    }

    [Fact]
    public async Task Askpass_answer_without_a_password_fails_the_sync()
    {
        SmartHttpServer server = await HttpServerAsync(User, Password);
        FakeHttpService askpass = FakeService(_ => FakeResponse.Ok($"username={User}\n"));
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time", "--askpass-url=" + askpass.Url]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), server.Diagnostics);
        Assert.Contains("password=", p.Stderr, StringComparison.Ordinal);
    }
}
