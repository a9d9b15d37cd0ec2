using System.Security.Cryptography;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>
/// <c>--repo=https://TOKEN@host/…</c>, the way many people pass a token: the user part is a
/// secret. git-sync gives it to git only through the credential cache, and it appears nowhere
/// else — not in the log, the error file, any file under --root (<c>.git/config</c>'s origin
/// included), /status, /metrics, or the argument list of any process git-sync starts.
/// </summary>
public sealed class UrlUserInfoTests(ITestOutputHelper output) : AuthTest(output)
{
    [Fact]
    public async Task Token_in_the_user_part_of_the_repo_url_syncs_and_never_shows()
    {
        string token = "ghp" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        // The server knows the token as a user with an empty password: what git sends for
        // https://TOKEN@host once the credential store answers (and what GitHub accepts).
        SmartHttpServer server = await HttpServerAsync(token, "");
        (TestRepo repo, string first) = RepoWithCommit();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string url = server.UrlWithUser(repo, token);
        int port = Ports.Free();

        using var watcher = new ChildWatcher();
        GitSyncProcess p = Start([$"--repo={url}", $"--root={root}", "--link=link", "--period=200ms", "-v", "9",
            "--error-file=error.json", "--max-failures=-1", $"--http-bind=127.0.0.1:{port}", "--http-metrics"]);
        watcher.Watch(p.Pid);
        await WaitForHashAsync(p, link, first);
        // A second revision: the steady-state probe (ls-remote) and a fetch both ran with the token.
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        Layout.AssertFile(link, "file", "v2");
        Assert.Contains(token, server.AccessLog, StringComparison.Ordinal);

        // A failing sync writes the error file: the server stops accepting the token.
        server.RemoveUser(token);
        repo.Commit("file", "v3");
        string errorFile = Path.Combine(root, "error.json");
        await Poll.UntilAsync(() => File.Exists(errorFile), "a failed sync writes the error file", p.Diagnostics);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string status = await http.GetStringAsync($"http://127.0.0.1:{port}/status");
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        IReadOnlyList<ObservedProcess> children = await watcher.StopAsync();
        string context = p.Diagnostics(20);

        AssertAbsent(token, "/status", status, context);
        Assert.Contains(server.UrlOf(repo), status, StringComparison.Ordinal);
        AssertAbsent(token, "/metrics", metrics, context);
        AssertAbsent(token, "stderr (the log)", p.Stderr, context);
        AssertAbsent(token, "stdout", p.Stdout, context);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            AssertAbsent(token, file, File.ReadAllText(file), context);
        }

        Assert.Equal(server.UrlOf(repo), LocalGit.Output(root, "config", "--get", "remote.origin.url"));
        Assert.True(children.Count > 0, "no child process was observed\n" + context);
        foreach (ObservedProcess child in children)
        {
            AssertAbsent(token, $"/proc/{child.Pid}/cmdline ({child.CommandLine})", child.CommandLine, context);
            AssertAbsent(token, $"/proc/{child.Pid}/environ ({child.CommandLine})", child.Environment, context);
        }
    }

    [Fact]
    public async Task Username_flag_with_a_user_part_in_the_repo_url_is_a_configuration_error()
    {
        (TestRepo repo, _) = RepoWithCommit();
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync([$"--repo=http://sometoken@127.0.0.1:9{repo.Path}", $"--root={root}", "--username=user",
            "--one-time"], Env(("GITSYNC_PASSWORD", "password")));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.Contains("--username", p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sometoken", p.Stderr, StringComparison.Ordinal);
    }

    private static void AssertAbsent(string secret, string where, string text, string context) =>
        Assert.False(text.Contains(secret, StringComparison.Ordinal), $"the token appears in {where}\n{context}");
}
