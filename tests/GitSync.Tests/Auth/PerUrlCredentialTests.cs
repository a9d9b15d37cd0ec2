using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>--credential: per-URL credentials, here for a repository and its submodule on two servers with different passwords.</summary>
public sealed class PerUrlCredentialTests(ITestOutputHelper output) : AuthTest(output)
{
    [Fact]
    public async Task Repo_and_submodule_on_two_servers_each_get_their_own_credential()
    {
        SmartHttpServer mainServer = await HttpServerAsync("test", "password-one");
        SmartHttpServer subServer = await HttpServerAsync("test", "password-two");
        (TestRepo main, string head, TestRepo _) = RepoWithSubmodule(subServer);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string passwordFile = Path.Combine(NewDir("secrets").Path, "sub-password");
        File.WriteAllText(passwordFile, "password-two");

        GitSyncProcess p = await RunAsync([
            $"--repo={mainServer.UrlOf(main)}", $"--root={root}", "--link=link", "--one-time",
            $$"""--credential={ "url": "{{mainServer.UrlOf(main)}}", "username": "test", "password": "password-one" }""",
            $$"""--credential=[{ "url": "http://127.0.0.1:{{subServer.Port}}", "username": "test", "password-file": "{{passwordFile}}" }]"""]);

        AssertPublished(p, link, head, () => mainServer.Diagnostics() + subServer.Diagnostics());
        Layout.AssertFile(link, "file", "main", p.Diagnostics);
        Layout.AssertFile(link, "sub/subfile", "sub", () => p.Diagnostics() + subServer.Diagnostics());
    }

    [Fact]
    public async Task A_wrong_credential_for_the_submodule_host_fails_the_sync()
    {
        SmartHttpServer mainServer = await HttpServerAsync("test", "password-one");
        SmartHttpServer subServer = await HttpServerAsync("test", "password-two");
        (TestRepo main, _, _) = RepoWithSubmodule(subServer);
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([
            $"--repo={mainServer.UrlOf(main)}", $"--root={root}", "--link=link", "--one-time",
            $$"""--credential={ "url": "{{mainServer.UrlOf(main)}}", "username": "test", "password": "password-one" }""",
            $$"""--credential={ "url": "http://127.0.0.1:{{subServer.Port}}/", "username": "test", "password": "password-one" }"""]);

        Assert.True(p.ExitCode != 0, p.Diagnostics());
        Assert.Contains("submodule", p.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A main repository whose submodule <c>sub</c> is served (only) by <paramref name="subServer"/>.</summary>
    private (TestRepo Main, string Head, TestRepo Sub) RepoWithSubmodule(SmartHttpServer subServer)
    {
        TestRepo sub = NewRepo(name: "sub");
        string subHead = sub.Commit("subfile", "sub");
        TestRepo main = NewRepo(name: "main");
        File.WriteAllText(Path.Combine(main.Path, "file"), "main");
        File.WriteAllText(Path.Combine(main.Path, ".gitmodules"), $"[submodule \"sub\"]\n\tpath = sub\n\turl = {subServer.UrlOf(sub)}\n");
        main.Git("add", "file", ".gitmodules");
        // A gitlink entry without cloning: the submodule is only reachable with its credential.
        main.Git("update-index", "--add", "--cacheinfo", $"160000,{subHead},sub");
        main.Git("commit", "--quiet", "-m", "main with submodule");
        return (main, main.Head, sub);
    }
}
