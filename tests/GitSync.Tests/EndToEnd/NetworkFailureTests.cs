using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// Servers shared by the network failure tests: the smart-HTTP nginx (basic auth), a static
/// nginx serving a bare copy as a dumb-HTTP repo and over TLS with a self-signed certificate,
/// and a repo with a few branches and tags.
/// </summary>
public sealed class NetworkFailureServers : IAsyncLifetime
{
    public const string User = "syncer";
    public const string Password = "pw-6f1d0c2e-real";

    public SmartHttpServer Http { get; private set; } = null!;

    public StaticHttpServer Static { get; private set; } = null!;

    public TestRepo Repo { get; private set; } = null!;

    /// <summary>The bare copy's path under the static server (<c>/repo.git</c>).</summary>
    public string DumbPath => "/repo.git";

    public async Task InitializeAsync()
    {
        Repo = TestRepo.Create("main");
        Repo.Commit("file", "v1");
        Repo.Branch("release-1.0");
        Repo.Branch("feature/login");
        Repo.Tag("v1.0");
        Http = await SmartHttpServer.StartAsync(User, Password);
        Static = await StaticHttpServer.StartAsync();
        string bare = Path.Combine(Static.Content, "repo.git");
        LocalGit.Output(null, "clone", "--quiet", "--bare", Repo.Path, bare);
        LocalGit.Output(bare, "update-server-info");
    }

    public Task DisposeAsync()
    {
        Http.Dispose();
        Static.Dispose();
        Repo.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Failures on the way to an HTTP(S) remote, each caused for real, each classified everywhere.</summary>
public sealed class NetworkFailureTests(NetworkFailureServers servers, ITestOutputHelper output) : FailureClassTest(output), IClassFixture<NetworkFailureServers>
{
    private const string Secret = NetworkFailureServers.Password;

    private string GoodUrl => servers.Http.UrlOf(servers.Repo, NetworkFailureServers.User, Secret);

    [Fact]
    public async Task Wrong_password_is_http_auth_refused()
    {
        const string wrong = "pw-wrong-93b1e7";
        Observed o = await ObserveAsync("http_auth_refused",
            ["--repo=" + servers.Http.UrlOf(servers.Repo, NetworkFailureServers.User, wrong)], [wrong, Secret]);

        Assert.Contains("Authentication failed", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_repository_is_repo_not_found()
    {
        string url = $"http://{NetworkFailureServers.User}:{Secret}@127.0.0.1:{servers.Http.Port}/no/such/repo";
        await ObserveAsync("repo_not_found", ["--repo=" + url], [Secret]);
    }

    [Fact]
    public async Task Missing_ref_is_ref_not_found_and_the_hint_names_the_nearest_refs()
    {
        Observed o = await ObserveAsync("ref_not_found", ["--repo=" + GoodUrl, "--ref=relase-1.0"], [Secret]);

        foreach (string hint in new[] { o.Hint, o.ErrorFile!.Value.GetProperty("Hint").GetString()!, o.Status.GetProperty("lastErrorHint").GetString()! })
        {
            Assert.Contains("closest it has: release-1.0", hint, StringComparison.Ordinal);
        }

        // git's own words stay in Err, as upstream has them.
        Assert.Contains("couldn't find remote ref relase-1.0", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unresolvable_host_is_name_resolution_failed()
    {
        await ObserveAsync("name_resolution_failed", [$"--repo=http://{NetworkFailureServers.User}:{Secret}@git-sync-test.invalid/repo"], [Secret]);
    }

    [Fact]
    public async Task Closed_port_is_connection_failed()
    {
        int closed = Ports.Free();
        await ObserveAsync("connection_failed", [$"--repo=http://{NetworkFailureServers.User}:{Secret}@127.0.0.1:{closed}/repo"], [Secret]);
    }

    [Fact]
    public async Task Self_signed_certificate_is_tls_untrusted()
    {
        await ObserveAsync("tls_untrusted", [$"--repo=https://{NetworkFailureServers.User}:{Secret}@127.0.0.1:{servers.Static.TlsPort}{servers.DumbPath}"], [Secret]);
    }

    [Fact]
    public async Task Unresolvable_proxy_is_proxy_failed()
    {
        var env = new Dictionary<string, string?> { ["https_proxy"] = "http://proxyuser:proxy-pw-41c9@proxy.git-sync-test.invalid:3128" };
        Observed o = await ObserveAsync("proxy_failed",
            [$"--repo=https://{NetworkFailureServers.User}:{Secret}@127.0.0.1:{servers.Static.TlsPort}{servers.DumbPath}"], [Secret, "proxy-pw-41c9"], env);

        Assert.Contains("proxy", o.ErrorFile!.Value.GetProperty("Err").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Shallow_fetch_from_a_dumb_server_is_shallow_failed()
    {
        await ObserveAsync("shallow_failed", [$"--repo=http://{NetworkFailureServers.User}:{Secret}@127.0.0.1:{servers.Static.Port}{servers.DumbPath}", "--depth=1"], [Secret]);
    }
}
