using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// User values that git could read as options: refused at start-up with a configuration error
/// (exit 1, one line naming the flag, the error file written), and kept after <c>--</c> in every
/// git command that takes them. Repository content that looks like an option is refused by git.
/// </summary>
public sealed class InjectionTests(ITestOutputHelper output) : EndToEndTest(output)
{
    public static TheoryData<string, string> OptionLikeValues => new()
    {
        // The reported exploit: git fetch <repo> <ref> read the ref as --upload-pack.
        { "ref", "--upload-pack=touch {marker}; git-upload-pack" },
        { "ref", "-c core.sshCommand=touch {marker}" },
        { "branch", "--upload-pack=touch {marker}; git-upload-pack" },
        { "repo", "--upload-pack=touch {marker}; git-upload-pack" },
        { "repo", "-u touch {marker}" },
    };

    [Theory]
    [MemberData(nameof(OptionLikeValues))]
    public async Task Option_like_value_is_a_configuration_error_and_runs_nothing(string flag, string template)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        TempDir scratch = NewDir("inject");
        string marker = scratch.Combine("marker");
        string value = template.Replace("{marker}", marker, StringComparison.Ordinal);
        string root = NewDir().Path;
        string errorFile = scratch.Combine("error.txt");
        string[] args = flag == "repo"
            ? [$"--repo={value}", $"--root={root}", "--link=link"]
            : [$"--repo={repo.Url}", $"--root={root}", $"--{flag}={value}"];

        GitSyncProcess p = await RunAsync([.. args, "--one-time", "--error-file=" + errorFile]);

        AssertConfigError(p, flag == "branch" ? "--ref" : "--" + flag, errorFile);
        Assert.False(File.Exists(marker), $"the injected command ran\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), p.Diagnostics());
    }

    [Fact]
    public async Task Option_like_ref_from_the_environment_is_refused_too()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        TempDir scratch = NewDir("inject");
        string marker = scratch.Combine("marker");
        string errorFile = scratch.Combine("error.txt");

        GitSyncProcess p = await RunAsync([$"--repo={repo.Url}", $"--root={NewDir().Path}", "--one-time", "--error-file=" + errorFile],
            new Dictionary<string, string?> { ["GITSYNC_REF"] = $"--upload-pack=touch {marker}; git-upload-pack" });

        AssertConfigError(p, "--ref", errorFile);
        Assert.False(File.Exists(marker), $"the injected command ran\n{p.Diagnostics()}");
    }

    [Theory]
    [InlineData("--ref=", null)]
    [InlineData(null, "")]
    public async Task Empty_ref_is_a_configuration_error_as_upstream(string? flag, string? env)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string errorFile = NewDir("inject").Combine("error.txt");
        string root = NewDir().Path;
        List<string> args = [$"--repo={repo.Url}", $"--root={root}", "--link=link", "--one-time", "--error-file=" + errorFile];
        if (flag is not null)
        {
            args.Add(flag);
        }

        GitSyncProcess p = await RunAsync(args, env is null ? null : new Dictionary<string, string?> { ["GITSYNC_REF"] = env });

        AssertConfigError(p, "--ref", errorFile);
        Assert.Contains("--ref must be specified", p.Stderr, StringComparison.Ordinal);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), p.Diagnostics());
    }

    [Fact]
    public async Task Every_git_command_takes_the_repo_ref_and_config_values_after_a_separator()
    {
        // A ref with a dash inside is an ordinary branch name and must keep working.
        using TestRepo repo = NewRepo(branch: "release-1");
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        TempDir tools = NewDir("tools");
        GitWrapper git = GitWrapper.Create(tools);

        GitSyncProcess p = Start([$"--repo={repo.Url}", $"--root={root}", "--link=link", "--ref=release-1", "--period=100ms",
            "--git=" + git.Path, "--git-config=x-test.key:-value"]);
        await WaitForHashAsync(p, link, repo.Head);
        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        // The steady-state probe too.
        await Poll.UntilAsync(() => git.CountWith("ls-remote") >= 2, "unchanged polls probe with ls-remote", p.Diagnostics);

        string[] values = [repo.Url, "release-1", "x-test.key", "-value", Path.Combine(root, ".worktrees", second)];
        int checkedCommands = 0;
        foreach (string line in git.Invocations())
        {
            string[] words = line.Split(' ');
            foreach (string value in values)
            {
                int at = Array.IndexOf(words, value);
                if (at < 0)
                {
                    continue;
                }

                int separator = Array.FindIndex(words, w => w is "--" or "--end-of-options");
                Assert.True(separator >= 0 && separator < at, $"git {line}: '{value}' is not after a -- separator");
                checkedCommands++;
            }
        }

        // fetch, ls-remote, remote add, worktree add and config at least.
        Assert.True(checkedCommands >= 5, $"only {checkedCommands} user values seen in:\n{string.Join('\n', git.Invocations())}");
    }

    [Fact]
    public async Task Submodule_entries_that_look_like_options_run_nothing()
    {
        using TestRepo sub = NewRepo(name: "sub");
        string subHead = sub.Commit("subfile", "sub");
        using TestRepo repo = NewRepo();
        string marker = NewDir("inject").Combine("marker");
        File.WriteAllText(Path.Combine(repo.Path, ".gitmodules"),
            $"[submodule \"url\"]\n\tpath = url\n\turl = --upload-pack=touch {marker}\n" +
            $"[submodule \"-path\"]\n\tpath = -path\n\turl = {sub.Path}\n" +
            $"[submodule \"host\"]\n\tpath = host\n\turl = ssh://-oProxyCommand=touch%20{marker}/repo\n");
        repo.Git("add", ".gitmodules");
        foreach (string path in (string[])["url", "-path", "host"])
        {
            repo.Git("update-index", "--add", "--cacheinfo", $"160000,{subHead},{path}");
        }

        repo.Git("commit", "--quiet", "-m", "hostile submodules");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--link=link", "--one-time", "--git-config=protocol.file.allow:always"));

        Assert.False(File.Exists(marker), $"a command from .gitmodules ran\n{p.Diagnostics()}");
        Assert.True(p.ExitCode != 0, $"a tree whose submodules git refuses must not be published\n{p.Diagnostics()}");
        Assert.True(Layout.IsAbsent(Path.Combine(root, "link")), p.Diagnostics());
    }

    private static void AssertConfigError(GitSyncProcess p, string flag, string errorFile)
    {
        Assert.True(p.ExitCode == 1, $"expected exit 1 (configuration error), got {p.ExitCode}\n{p.Diagnostics()}");
        string[] naming = [.. p.StderrLines.Where(l => l.Contains(flag, StringComparison.Ordinal))];
        Assert.True(naming.Length == 1, $"expected one stderr line naming {flag}\n{p.Diagnostics()}");
        Assert.DoesNotContain("   at ", p.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(errorFile), $"the configuration error should reach the error file\n{p.Diagnostics()}");
        Assert.Contains(flag, File.ReadAllText(errorFile), StringComparison.Ordinal);
    }
}
