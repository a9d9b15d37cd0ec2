using System.Security.Cryptography;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>
/// Every credential kind at -v 9, successful and failing: no secret may appear in git-sync's
/// stdout or stderr, the error file, files under --root, or the argument list or environment
/// of any process git-sync starts. Children are seen two ways: a --git wrapper records the
/// arguments and environment of every git command git-sync runs, and /proc is polled for all
/// descendants (git's own helpers, ssh, the credential cache) during each run.
/// </summary>
public sealed class SecretLeakTests(ITestOutputHelper output) : AuthTest(output)
{
    [Fact]
    public async Task No_secret_appears_in_logs_error_file_root_or_child_processes()
    {
        string envPassword = Secret("env");
        string filePassword = Secret("file");
        string urlPassword = Secret("url");
        string subPassword = Secret("sub");
        string subFilePassword = Secret("subfile");
        string askpassPassword = Secret("askpass");
        string flagPassword = Secret("flag");
        string wrongPassword = Secret("wrong");
        string urlToken = Secret("token");
        string wrongToken = Secret("wrongtoken");

        SmartHttpServer main = await HttpServerAsync("env-user", envPassword);
        main.SetUser("file-user", filePassword);
        main.SetUser("url-user", urlPassword);
        main.SetUser("askpass-user", askpassPassword);
        main.SetUser("flag-user", flagPassword);
        // A token as the whole user part of the URL: git sends it as the username with an empty password.
        main.SetUser(urlToken, "");
        SmartHttpServer subServer = await HttpServerAsync("sub-user", subPassword);
        subServer.SetUser("sub-file-user", subFilePassword);

        TestRepo sub = NewRepo(name: "sub");
        string subHead = sub.Commit("subfile", "sub");
        TestRepo repo = NewRepo(name: "main");
        File.WriteAllText(Path.Combine(repo.Path, ".gitmodules"), $"[submodule \"sub\"]\n\tpath = sub\n\turl = {subServer.UrlOf(sub)}\n");
        repo.Git("add", ".gitmodules");
        repo.Git("update-index", "--add", "--cacheinfo", $"160000,{subHead},sub");
        repo.Git("commit", "--quiet", "-m", "with submodule");
        string head = repo.Head;

        string secrets = NewDir("secrets").Path;
        string passwordFile = Path.Combine(secrets, "password");
        File.WriteAllText(passwordFile, filePassword);
        string subPasswordFile = Path.Combine(secrets, "sub-password");
        File.WriteAllText(subPasswordFile, subFilePassword);
        FakeHttpService askpass = FakeService(_ => FakeResponse.Ok($"username=askpass-user\npassword={askpassPassword}\n"));

        using RSA appKey = RSA.Create(2048);
        string appKeyPem = appKey.ExportRSAPrivateKeyPem();
        string appKeyFile = Path.Combine(secrets, "app.pem");
        File.WriteAllText(appKeyFile, appKeyPem);
        GitHubApiFake api = Own(GitHubApiFake.Start(appKey, "42", 99, TimeSpan.FromHours(1), token => main.SetUser("-", token)));

        string keys = NewDir("keys").Path;
        SshKeyPair sshKey = SshKeyPair.Generate(keys, "id");
        SshServer sshd = await SshServerAsync(sshKey);
        string knownHosts = sshd.WriteKnownHosts(Path.Combine(keys, "known_hosts"));

        string subCredential = $$"""{"url":"http://127.0.0.1:{{subServer.Port}}","username":"sub-user","password":"{{subPassword}}"}""";
        string subFileCredential = $$"""{"url":"http://127.0.0.1:{{subServer.Port}}","username":"sub-file-user","password-file":"{{subPasswordFile}}"}""";
        string sshKeyText = File.ReadAllText(sshKey.PrivateKeyPath);

        var runs = new (string Name, string[] Args, Dictionary<string, string?> Env, bool Succeeds)[]
        {
            ("username + $GITSYNC_PASSWORD, --credential with password",
                [$"--repo={main.UrlOf(repo)}", "--username=env-user", "--credential=" + subCredential], Env(("GITSYNC_PASSWORD", envPassword)), true),
            ("--password-file, --credential with password-file",
                [$"--repo={main.UrlOf(repo)}", "--username=file-user", "--password-file=" + passwordFile, "--credential=" + subFileCredential], Env(), true),
            ("password in --repo", [$"--repo={main.UrlOf(repo, "url-user", urlPassword)}", "--credential=" + subCredential], Env(), true),
            ("token as the user part of --repo", [$"--repo={main.UrlWithUser(repo, urlToken)}", "--credential=" + subCredential], Env(), true),
            ("wrong token as the user part of --repo", [$"--repo={main.UrlWithUser(repo, wrongToken)}"], Env(), false),
            ("deprecated --password", [$"--repo={main.UrlOf(repo)}", "--username=flag-user", "--password=" + flagPassword, "--credential=" + subCredential], Env(), true),
            ("--askpass-url", [$"--repo={main.UrlOf(repo)}", "--askpass-url=" + askpass.Url, "--credential=" + subCredential], Env(), true),
            ("GitHub App", [$"--repo={main.UrlOf(repo)}", "--github-base-url=" + api.BaseUrl, "--github-app-application-id=42",
                "--github-app-installation-id=99", "--github-app-private-key-file=" + appKeyFile, "--credential=" + subCredential], Env(), true),
            ("GitHub App, key in the environment", [$"--repo={main.UrlOf(repo)}", "--github-base-url=" + api.BaseUrl, "--github-app-application-id=42",
                "--github-app-installation-id=99", "--credential=" + subCredential], Env(("GITSYNC_GITHUB_APP_PRIVATE_KEY", appKeyPem)), true),
            ("SSH key", [$"--repo={sshd.UrlOf(repo)}", "--ssh-key-file=" + sshKey.PrivateKeyPath, "--ssh-known-hosts-file=" + knownHosts,
                "--credential=" + subCredential], Env(), true),
            ("wrong password in $GITSYNC_PASSWORD", [$"--repo={main.UrlOf(repo)}", "--username=env-user"], Env(("GITSYNC_PASSWORD", wrongPassword)), false),
            ("wrong password in --repo", [$"--repo={main.UrlOf(repo, "url-user", wrongPassword)}"], Env(), false),
            ("wrong submodule password", [$"--repo={main.UrlOf(repo)}", "--username=env-user", "--credential=" +
                subCredential.Replace(subPassword, wrongPassword, StringComparison.Ordinal)], Env(("GITSYNC_PASSWORD", envPassword)), false),
        };

        List<string> allSecrets =
        [
            envPassword, filePassword, urlPassword, subPassword, subFilePassword, askpassPassword, flagPassword, wrongPassword, urlToken, wrongToken,
            Uri.EscapeDataString(urlPassword), Uri.EscapeDataString(wrongPassword),
            .. PemBody(appKeyPem), .. PemBody(sshKeyText),
        ];

        var childrenSeen = 0;
        foreach (var run in runs)
        {
            TempDir scratch = NewDir("leak");
            GitWrapper wrapper = GitWrapper.Create(scratch, $"{{ printf -- '--- %s\\n' \"$*\"; env; }} >> '{scratch.Combine("env.log")}'");
            string root = NewDir().Path;
            string[] args = [.. run.Args, $"--root={root}", "--link=link", "--one-time", "-v", "9", "--error-file=error.json", "--git=" + wrapper.Path];

            using var watcher = new ChildWatcher();
            GitSyncProcess p = Start(args, run.Env);
            watcher.Watch(p.Pid);
            await p.WaitForExitAsync(ExitDeadline);
            IReadOnlyList<ObservedProcess> children = await watcher.StopAsync();
            childrenSeen += children.Count;

            string context = $"run '{run.Name}'\n{p.Diagnostics(10)}";
            if (run.Succeeds)
            {
                AssertPublished(p, Path.Combine(root, "link"), head, () => context + main.Diagnostics() + subServer.Diagnostics());
                Layout.AssertFile(Path.Combine(root, "link"), "sub/subfile", "sub", () => context);
            }
            else
            {
                Assert.True(p.ExitCode != 0, context);
                Assert.True(File.Exists(Path.Combine(root, "error.json")), "the failing run should write the error file\n" + context);
            }

            List<string> secretsNow = [.. allSecrets, .. api.IssuedTokens];
            AssertNoSecret(secretsNow, "stdout", p.Stdout, context);
            AssertNoSecret(secretsNow, "stderr", p.Stderr, context);
            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                AssertNoSecret(secretsNow, file, File.ReadAllText(file), context);
            }

            AssertNoSecret(secretsNow, "argv/env of git commands (from the --git wrapper)", File.ReadAllText(scratch.Combine("env.log")), context);
            foreach (ObservedProcess child in children)
            {
                AssertNoSecret(secretsNow, $"/proc/{child.Pid}/cmdline ({child.CommandLine})", child.CommandLine, context);
                AssertNoSecret(secretsNow, $"/proc/{child.Pid}/environ ({child.CommandLine})", child.Environment, context);
            }
        }

        // The watcher must have seen something for the /proc part to mean anything.
        Assert.True(childrenSeen > runs.Length, $"only {childrenSeen} child processes observed over {runs.Length} runs");
    }

    private static string Secret(string what) => $"{what}-secret-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant()}";

    /// <summary>The base64 lines of a PEM key (long enough to be unambiguous).</summary>
    private static IEnumerable<string> PemBody(string pem) =>
        pem.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 40 && !l.StartsWith("-----", StringComparison.Ordinal));

    private static void AssertNoSecret(IEnumerable<string> secrets, string where, string text, string context)
    {
        foreach (string secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"secret '{secret}' found in {where}\n{context}");
        }
    }
}
