using GitSync.Cli;
using GitSync.Platform;
using GitSync.Sync;
using Xunit;

namespace GitSync.Tests.Cli;

/// <summary><c>--publish</c> and <c>--marker-file</c>: defaults, environment, and the layouts refused at start-up.</summary>
public sealed class PublishFlagTests
{
    private static SyncOptions Build(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        OptionsBuilder.Build(["--repo=file:///r", "--root=/tmp/x", .. args], name => env is not null && env.TryGetValue(name, out var v) ? v : null).Options!.Sync;

    [Fact]
    public void Link_mode_and_no_marker_by_default()
    {
        SyncOptions options = Build(null);
        Assert.Equal(PublishMode.Link, options.Publish);
        Assert.Null(options.MarkerFile);
    }

    [Fact]
    public void Copy_mode_and_the_marker_come_from_flags_or_the_environment()
    {
        SyncOptions flags = Build(null, "--publish=copy", "--marker-file=markers/live");
        Assert.Equal(PublishMode.Copy, flags.Publish);
        Assert.Equal("/tmp/x/markers/live", flags.MarkerFile);
        SyncOptions env = Build(new Dictionary<string, string> { ["GITSYNC_PUBLISH"] = "copy", ["GITSYNC_MARKER_FILE"] = "/var/run/live" });
        Assert.Equal(PublishMode.Copy, env.Publish);
        Assert.Equal("/var/run/live", env.MarkerFile);
    }

    [Theory]
    [InlineData("--publish", "--publish=symlink")]
    [InlineData("--marker-file", "--link=site", "--marker-file=site/marker")]
    [InlineData("--link", "--publish=copy", "--link=/tmp")]
    [InlineData("--link", "--publish=copy", "--link=.worktrees/site")]
    [InlineData("--touch-file", "--publish=copy", "--link=site", "--touch-file=site/touched")]
    public void Layouts_that_would_lose_data_are_refused_naming_the_flag(string flag, params string[] args)
    {
        string message = Assert.Throws<ConfigException>(() => Build(null, args)).Message;
        Assert.Contains(flag, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Link_mode_on_a_directory_without_a_copy_journal_says_what_to_do_in_one_line()
    {
        using var dir = Infrastructure.TempDir.Create("publish");
        string root = dir.Combine("root");
        string site = Path.Combine(root, "site");
        Directory.CreateDirectory(site);

        string empty = Assert.Throws<ConfigException>(() => Build(null, "--root=" + root, "--link=site")).Message;
        Assert.Contains("is an existing directory, and git-sync can only replace a symlink there", empty, StringComparison.Ordinal);
        Assert.Contains("start with --publish=copy", empty, StringComparison.Ordinal);

        // What a copy whose journal was lost looks like: files, no journal beside it.
        File.WriteAllText(Path.Combine(site, "index.html"), "copied");
        string filled = Assert.Throws<ConfigException>(() => Build(null, "--root=" + root, "--link=site")).Message;
        Assert.Contains("is an existing directory, and git-sync can only replace a symlink there", filled, StringComparison.Ordinal);
        Assert.Contains("journal .site.git-sync-publish", filled, StringComparison.Ordinal);
        Assert.Contains("remove the directory", filled, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', filled);

        // With the journal beside it, the directory is copy mode's and the first publish switches it.
        File.WriteAllText(Path.Combine(root, ".site.git-sync-publish"), "journal");
        Assert.Equal(PublishMode.Link, Build(null, "--root=" + root, "--link=site").Publish);
    }

    [Fact]
    public void The_effective_configuration_shows_them()
    {
        string json = EffectiveConfiguration.Render(OptionsBuilder.Build(["--repo=file:///r", "--root=/tmp/x", "--publish=copy", "--marker-file=m"], _ => null).Options!);
        Assert.Contains("\"publish\": \"copy\"", json, StringComparison.Ordinal);
        Assert.Contains("\"markerFile\": \"/tmp/x/m\"", json, StringComparison.Ordinal);
    }
}
