using GitSync.Cli;
using GitSync.Platform;
using Xunit;

namespace GitSync.Tests.Cli;

/// <summary>The flag table is the one list: it folds v3 spellings and drives --check.</summary>
public sealed class FlagTableTests
{
    private static readonly Flag[] Actions = [FlagTable.Help, FlagTable.Man, FlagTable.Version, FlagTable.Check, FlagTable.Probe];

    private static CliRequest Build(params string[] args) => OptionsBuilder.Build(args, _ => null);

    [Fact]
    public void Every_flag_that_configures_something_is_shown_by_check()
    {
        var missing = FlagTable.All.Where(f => !f.Deprecated && !Actions.Contains(f) && f.Shown is null).Select(f => f.Name).ToList();
        Assert.True(missing.Count == 0, "flags with no Shown column, so --check would not show them: " + string.Join(", ", missing));
    }

    [Fact]
    public void V3_spellings_fold_into_a_current_flag_or_say_why_not()
    {
        foreach (var flag in FlagTable.All.Where(f => f.Deprecated))
        {
            if (flag.Into is { } into)
            {
                Assert.False(into.Deprecated, $"--{flag.Name} folds into a deprecated flag");
                Assert.Contains(into, FlagTable.All);
            }
            else
            {
                Assert.Contains(flag.Name, new[] { "password", "ssh", "change-permissions" });
            }
        }
    }

    [Theory]
    [InlineData("--dest=html", "--link=other", "link", "/tmp/x/html")]
    [InlineData("--wait=0.25", "--period=5s", "period", "250ms")]
    [InlineData("--timeout=7", "--sync-timeout=1m", "syncTimeout", "7s")]
    [InlineData("--sync-hook-command=true", "--exechook-command=false", "command", "true")]
    public void A_given_v3_spelling_wins_over_its_replacement(string old, string current, string key, string shown)
    {
        var json = EffectiveConfiguration.Render(Build("--repo=file:///r", "--root=/tmp/x", current, old).Options!);
        Assert.Contains($"\"{key}\": \"{shown}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_or_zero_v3_spelling_leaves_the_replacement_alone()
    {
        var o = Build("--repo=file:///r", "--root=/tmp/x", "--dest=", "--link=kept", "--max-sync-failures=0", "--max-failures=3").Options!;
        Assert.Equal("/tmp/x/kept", o.Sync.Link);
        Assert.Equal(3, o.Loop.MaxFailures);
    }

    [Fact]
    public void Check_shows_each_flag_once_with_nested_groups_and_no_secrets()
    {
        var o = OptionsBuilder.Build(
            ["--repo=https://user:pw-secret@example.com/r", "--root=/tmp/x", "--git-config=http.extraHeader:tok-secret", "--git-config-add=a.b:c",
             "--webhook-url=https://u:hook-secret@example.com/h", "--github-app-client-id=abc", "--github-app-installation-id=3"],
            n => n == "GITSYNC_GITHUB_APP_PRIVATE_KEY" ? "key-secret" : null).Options!;
        var json = EffectiveConfiguration.Render(o);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("https://u:REDACTED@example.com/h", doc.RootElement.GetProperty("webhook").GetProperty("url").GetString());
        Assert.True(doc.RootElement.GetProperty("auth").GetProperty("githubApp").GetBoolean());
        Assert.Equal(["http.extraheader", "a.b (add)"], doc.RootElement.GetProperty("gitConfigKeys").EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()));
        foreach (var secret in new[] { "pw-secret", "tok-secret", "hook-secret", "key-secret" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_value_of_the_wrong_kind_names_where_it_came_from()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsBuilder.Build(["--repo=x", "--root=/tmp/x"], n => n == "GIT_SYNC_WAIT" ? "soon" : null));
        Assert.Contains("$GIT_SYNC_WAIT", e.Message, StringComparison.Ordinal);
    }
}
