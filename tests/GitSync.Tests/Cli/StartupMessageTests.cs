using GitSync.Cli;
using GitSync.Platform;
using Xunit;

namespace GitSync.Tests.Cli;

/// <summary>Start-up messages that say what to do: "did you mean", misspelt variables, an existing directory at --link.</summary>
public sealed class StartupMessageTests
{
    private static string ErrorOf(params string[] args)
    {
        var e = Assert.Throws<ConfigException>(() => OptionsBuilder.Build(args, _ => null));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static IReadOnlyList<string> WarningsFor(params string[] envNames)
    {
        // Only the names matter here: the values are not read.
        return OptionsBuilder.Build(["--repo=file:///r", "--root=/tmp/x"], _ => null, envNames).Warnings;
    }

    [Theory]
    [InlineData("--perod=1s", "unknown flag: --perod (did you mean --period?)")]
    [InlineData("--sync-timout", "unknown flag: --sync-timout (did you mean --sync-timeout?)")]
    [InlineData("--http-metric", "unknown flag: --http-metric (did you mean --http-metrics?)")]
    [InlineData("--Repo=x", "unknown flag: --Repo (did you mean --repo?)")]
    [InlineData("-repoo=x", "unknown flag: -repoo (did you mean -repo?)")]
    [InlineData("-brnach=master", "unknown flag: -brnach (did you mean -branch?)")]
    [InlineData("-dset=html", "unknown flag: -dset (did you mean -dest?)")]
    public void A_mistyped_flag_gets_the_closest_real_one(string arg, string expected)
        => Assert.Equal(expected, ErrorOf("--repo=file:///r", "--root=/tmp/x", arg));

    [Theory]
    [InlineData("--completely-different")]
    [InlineData("-x")]
    public void A_flag_like_nothing_in_the_table_gets_no_guess(string arg)
        => Assert.DoesNotContain("did you mean", ErrorOf("--repo=file:///r", "--root=/tmp/x", arg), StringComparison.Ordinal);

    [Fact]
    public void A_mistyped_variable_gets_one_warning_naming_the_closest_real_one()
    {
        var warnings = WarningsFor("GITSYNC_PERIDO", "GIT_SYNC_REPOO", "GITSYNC_PERIOD");
        Assert.Equal(
            ["$GITSYNC_PERIDO is not a git-sync variable and is ignored; did you mean $GITSYNC_PERIOD?",
             "$GIT_SYNC_REPOO is not a git-sync variable and is ignored; did you mean $GIT_SYNC_REPO?"],
            warnings);
    }

    [Theory]
    [InlineData("GITSYNC_REPO")]
    [InlineData("GIT_SYNC_DEST")]
    [InlineData("GITSYNC_PASSWORD")]
    [InlineData("GIT_SYNC_SERVICE_HOST")]
    [InlineData("GIT_SYNC_SERVICE_PORT")]
    [InlineData("GIT_SYNC_PORT")]
    [InlineData("GIT_SYNC_PORT_8080_TCP_ADDR")]
    [InlineData("GITSYNC_SOMETHING_ELSE_ENTIRELY")]
    [InlineData("HOME")]
    public void Real_variables_service_links_and_unrelated_names_are_not_warned_about(string name)
        => Assert.Empty(WarningsFor(name));

    [Fact]
    public void An_existing_directory_at_link_is_refused_with_the_fix()
    {
        using var dir = Infrastructure.TempDir.Create("link");
        var html = dir.Combine("html");
        Directory.CreateDirectory(html);
        var message = ErrorOf("--repo=file:///r", "--root=" + dir.Combine("root"), "--link=" + html);
        Assert.Contains($"--link {html} is an existing directory", message, StringComparison.Ordinal);
        Assert.Contains("point --link at a path that does not exist yet", message, StringComparison.Ordinal);
        Assert.Contains($"mount the volume at {dir.Path}", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_or_nothing_at_link_is_accepted()
    {
        using var dir = Infrastructure.TempDir.Create("link");
        Directory.CreateDirectory(dir.Combine("tree"));
        File.CreateSymbolicLink(dir.Combine("html"), "tree");
        var root = dir.Combine("root");
        Assert.Equal(dir.Combine("html"), OptionsBuilder.Build(["--repo=file:///r", "--root=" + root, "--link=" + dir.Combine("html")], _ => null).Options!.Sync.Link);
        Assert.Equal(dir.Combine("new"), OptionsBuilder.Build(["--repo=file:///r", "--root=" + root, "--link=" + dir.Combine("new")], _ => null).Options!.Sync.Link);
    }

    [Theory]
    [InlineData("period", "period", 0)]
    [InlineData("perod", "period", 1)]
    [InlineData("peroid", "period", 1)]
    [InlineData("prd", "period", int.MaxValue)]
    public void Distance_counts_swapped_neighbours_as_one_edit(string a, string b, int expected)
        => Assert.Equal(expected, FlagSuggestions.Distance(a, b));
}
