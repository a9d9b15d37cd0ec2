using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--git-config / --git-config-add: parsing (quotes, escapes) and effect on git.</summary>
public sealed class GitConfigTests(ITestOutputHelper output) : EndToEndTest(output)
{
    /// <summary>Runs a one-time sync through a wrapper that dumps git's effective config at fetch time.</summary>
    private async Task<(GitSyncProcess Process, IReadOnlyList<KeyValuePair<string, string>> Config)> SyncAndDumpConfigAsync(params string[] extra)
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        TempDir dir = NewDir("wrapper");
        string dump = dir.Combine("config.dump");
        GitWrapper git = GitWrapper.Create(dir, $$"""
            case "$SUBCOMMAND" in
              fetch|ls-remote) '{{LocalGit.Executable}}' config --null --list > '{{dump}}' ;;
            esac
            """);

        GitSyncProcess p = await RunOnceAsync(repo, root, ["--link=link", "--git=" + git.Path, .. extra]);
        Assert.True(File.Exists(dump), "the wrapper never saw a fetch\n" + p.Diagnostics());
        // --null --list: entries end with NUL, key and value are separated by a newline.
        List<KeyValuePair<string, string>> config = [.. File.ReadAllText(dump)
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('\n', 2))
            .Select(parts => new KeyValuePair<string, string>(parts[0], parts.Length > 1 ? parts[1] : ""))];
        return (p, config);
    }

    private static IEnumerable<string> ValuesOf(IReadOnlyList<KeyValuePair<string, string>> config, string key) =>
        config.Where(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Select(kv => kv.Value);

    [Fact]
    public async Task Applies_git_config_with_quotes_and_escapes()
    {
        (_, IReadOnlyList<KeyValuePair<string, string>> config) = await SyncAndDumpConfigAsync(
            """--git-config=e2e.plain:simple,e2e.commas:a\,b\,c,e2e.quoted:"x\,y \"q\" \\ tab\tend",e2e.newline:"one\ntwo",e2e.empty:""");

        string Value(string key) => Assert.Single(ValuesOf(config, key));
        Assert.Equal("simple", Value("e2e.plain"));
        Assert.Equal("a,b,c", Value("e2e.commas"));
        Assert.Equal("x,y \"q\" \\ tab\tend", Value("e2e.quoted"));
        Assert.Equal("one\ntwo", Value("e2e.newline"));
        Assert.Equal("", Value("e2e.empty"));
    }

    [Fact]
    public async Task Applies_quoted_key_containing_colon()
    {
        (_, IReadOnlyList<KeyValuePair<string, string>> config) = await SyncAndDumpConfigAsync(
            """--git-config="url.https://mirror.invalid/.insteadOf":"https://origin.invalid/",e2e.after:ok""");

        Assert.Equal("https://origin.invalid/", Assert.Single(ValuesOf(config, "url.https://mirror.invalid/.insteadof")));
        Assert.Equal("ok", Assert.Single(ValuesOf(config, "e2e.after")));
    }

    [Fact]
    public async Task Adds_repeated_git_config_add_values()
    {
        (_, IReadOnlyList<KeyValuePair<string, string>> config) = await SyncAndDumpConfigAsync(
            "--git-config-add=e2e.multi:one", "--git-config-add=e2e.multi:two\\,three");

        Assert.Equal(["one", "two,three"], ValuesOf(config, "e2e.multi").ToArray());
    }

    [Fact]
    public async Task Lets_user_config_override_git_sync_defaults()
    {
        // git-sync applies its own defaults first; a user value for the same key must win.
        (_, IReadOnlyList<KeyValuePair<string, string>> config) = await SyncAndDumpConfigAsync("--git-config=gc.auto:7");

        Assert.Equal("7", ValuesOf(config, "gc.auto").Last());
    }

    [Fact]
    public async Task Git_config_takes_effect_for_the_sync()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string fake = "file:///nonexistent/e2e-" + Guid.NewGuid().ToString("N");

        // The repo URL does not exist; only the insteadOf rewrite makes the sync possible.
        GitSyncProcess p = await RunAsync([
            "--repo=" + fake, "--root=" + root, "--link=link", "--one-time",
            $"--git-config=\"url.{repo.Url}.insteadOf\":\"{fake}\""]);

        Assert.True(p.ExitCode == 0, p.Diagnostics());
        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
    }
}
