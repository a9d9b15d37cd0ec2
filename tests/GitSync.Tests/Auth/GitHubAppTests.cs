using System.Security.Cryptography;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>
/// GitHub App authentication: a local fake of GitHub's access-token endpoint checks the JWT's
/// signature with the app's public key and issues tokens that the real smart-HTTP server then
/// accepts as the password of user "-".
/// </summary>
public sealed class GitHubAppTests(ITestOutputHelper output) : AuthTest(output)
{
    private const long InstallationId = 4567;

    [Fact]
    public async Task Application_id_and_key_file_sync()
    {
        using RSA key = RSA.Create(2048);
        var (server, api) = await SetUpAsync(key, "123", TimeSpan.FromHours(1));
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--github-base-url=" + api.BaseUrl, "--github-app-application-id=123",
            $"--github-app-installation-id={InstallationId}", "--github-app-private-key-file=" + WriteKey(key)]);

        AssertPublished(p, Path.Combine(root, "link"), head, () => server.Diagnostics() + api.Diagnostics());
        Assert.Single(api.IssuedTokens);
    }

    [Fact]
    public async Task Client_id_and_key_from_the_environment_sync()
    {
        using RSA key = RSA.Create(2048);
        var (server, api) = await SetUpAsync(key, "Iv1.abc123", TimeSpan.FromHours(1));
        (TestRepo repo, string head) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(
            [$"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
             "--github-base-url=" + api.BaseUrl.TrimEnd('/'), "--github-app-client-id=Iv1.abc123",
             $"--github-app-installation-id={InstallationId}"],
            Env(("GITSYNC_GITHUB_APP_PRIVATE_KEY", key.ExportPkcs8PrivateKeyPem())));

        AssertPublished(p, Path.Combine(root, "link"), head, () => server.Diagnostics() + api.Diagnostics());
    }

    [Fact]
    public async Task Token_about_to_expire_is_refreshed_before_the_next_sync()
    {
        using RSA key = RSA.Create(2048);
        // Tokens expire within git-sync's 30 s margin, so every sync needs a new one; the git
        // server only accepts the newest.
        var (server, api) = await SetUpAsync(key, "123", TimeSpan.FromSeconds(20));
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms",
            "--github-base-url=" + api.BaseUrl, "--github-app-application-id=123",
            $"--github-app-installation-id={InstallationId}", "--github-app-private-key-file=" + WriteKey(key),
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"]);

        await WaitForHashAsync(p, link, first);
        await WaitForMetricAsync(p, port, AppTokenRefreshes, Success, 3);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        Assert.Equal(0, MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), AppTokenRefreshes, Error));
        Assert.Empty(api.Rejections);
    }

    [Fact]
    public async Task Long_lived_token_is_not_refreshed_every_sync()
    {
        using RSA key = RSA.Create(2048);
        var (server, api) = await SetUpAsync(key, "123", TimeSpan.FromHours(1));
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms",
            "--github-base-url=" + api.BaseUrl, "--github-app-application-id=123",
            $"--github-app-installation-id={InstallationId}", "--github-app-private-key-file=" + WriteKey(key),
            $"--http-bind=127.0.0.1:{port}", "--http-metrics"]);

        await WaitForHashAsync(p, link, first);
        await WaitForMetricAsync(p, port, "git_sync_count_total", "status=\"noop\"", 3);
        Assert.Single(api.IssuedTokens);
        Assert.Equal(1, MetricsScraper.Value(await MetricsScraper.ScrapeAsync(port), AppTokenRefreshes, Success));
    }

    [Fact]
    public async Task Key_the_app_does_not_know_is_rejected_and_counted()
    {
        using RSA appKey = RSA.Create(2048);
        using RSA wrongKey = RSA.Create(2048);
        var (server, api) = await SetUpAsync(appKey, "123", TimeSpan.FromHours(1));
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        int port = Ports.Free();

        GitSyncProcess p = Start([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--period=100ms", "--max-failures=-1",
            "--github-base-url=" + api.BaseUrl, "--github-app-application-id=123",
            $"--github-app-installation-id={InstallationId}", "--github-app-private-key-file=" + WriteKey(wrongKey),
            $"--http-bind=127.0.0.1:{port}", "--http-metrics", "--error-file=error.json"]);

        await WaitForMetricAsync(p, port, AppTokenRefreshes, Error, 2);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), p.Diagnostics());
        Assert.Empty(api.IssuedTokens);
        Assert.Contains("answered 401", File.ReadAllText(Path.Combine(root, "error.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_private_key_fails_with_a_clear_error()
    {
        using RSA key = RSA.Create(2048);
        var (server, api) = await SetUpAsync(key, "123", TimeSpan.FromHours(1));
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;
        string keyFile = Path.Combine(NewDir("secrets").Path, "key.pem");
        File.WriteAllText(keyFile, "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n");

        GitSyncProcess p = await RunAsync([
            $"--repo={server.UrlOf(repo)}", $"--root={root}", "--link=link", "--one-time",
            "--github-base-url=" + api.BaseUrl, "--github-app-application-id=123",
            $"--github-app-installation-id={InstallationId}", "--github-app-private-key-file=" + keyFile]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), api.Diagnostics);
        Assert.Contains("not a PEM-encoded RSA private key", p.Stderr, StringComparison.Ordinal);
        Assert.Contains(keyFile, p.Stderr, StringComparison.Ordinal);
    }

    private async Task<(SmartHttpServer Server, GitHubApiFake Api)> SetUpAsync(RSA key, string issuer, TimeSpan tokenLifetime)
    {
        // Nobody knows a password until the fake issues a token.
        SmartHttpServer server = await HttpServerAsync("-", "no-token-issued-yet-" + Guid.NewGuid().ToString("N"));
        GitHubApiFake api = Own(GitHubApiFake.Start(key, issuer, InstallationId, tokenLifetime, token => server.SetUser("-", token)));
        return (server, api);
    }

    private string WriteKey(RSA key)
    {
        string path = Path.Combine(NewDir("secrets").Path, "app.pem");
        // GitHub hands out PKCS#1 ("BEGIN RSA PRIVATE KEY") files.
        File.WriteAllText(path, key.ExportRSAPrivateKeyPem());
        return path;
    }
}
