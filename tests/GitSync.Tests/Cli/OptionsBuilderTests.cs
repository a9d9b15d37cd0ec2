using GitSync.Cli;
using Xunit;
using GitSync.Git;
using GitSync.Platform;

namespace GitSync.Tests.Cli;

/// <summary>Flags and environment into validated options, in process (the binary's command line: EndToEnd/CommandLineTests).</summary>
public sealed class OptionsBuilderTests
{
    private static GitSyncOptions Build(IReadOnlyDictionary<string, string>? env = null, params string[] args)
    {
        var request = OptionsBuilder.Build(args, name => env is not null && env.TryGetValue(name, out var v) ? v : null);
        Assert.Equal(CliAction.Run, request.Action);
        return request.Options!;
    }

    private static string ErrorOf(IReadOnlyDictionary<string, string>? env = null, params string[] args)
    {
        var e = Assert.Throws<ConfigException>(() => OptionsBuilder.Build(args, name => env is not null && env.TryGetValue(name, out var v) ? v : null));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void Accepts_equals_and_space_separated_values()
    {
        var o = Build(null, "--repo=file:///r", "--root", "/tmp/x", "--period", "250ms", "--depth=3");
        Assert.Equal("file:///r", o.Sync.Repo);
        Assert.Equal("/tmp/x", o.Sync.Root);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.Loop.Period);
        Assert.Equal(3, o.Sync.Depth);
    }

    [Fact]
    public void Runs_the_v3_manifest_argument_list_with_single_dash_long_flags()
    {
        var request = OptionsBuilder.Build(["-ssh", "-repo=file:///srv/repo", "-root=/tmp/r", "-dest=html", "-branch=master", "-depth=1"], _ => null);
        var o = request.Options!;
        Assert.Equal("master", o.Sync.Ref.Text);
        Assert.Equal("/tmp/r/html", o.Sync.Link);
        Assert.Equal(1, o.Sync.Depth);
        Assert.Contains(request.Warnings, w => w.Contains("--dest", StringComparison.Ordinal));
        Assert.Contains(request.Warnings, w => w.Contains("--branch", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--one-time", true)]
    [InlineData("--one-time=true", true)]
    [InlineData("--one-time=1", true)]
    [InlineData("--one-time=T", true)]
    [InlineData("--one-time=false", false)]
    [InlineData("--one-time=0", false)]
    public void Parses_booleans_like_pflag(string arg, bool expected)
        => Assert.Equal(expected, Build(null, "--repo=r", "--root=/tmp/x", arg).Loop.OneTime);

    [Fact]
    public void Repeated_scalar_flag_keeps_the_last_value()
        => Assert.Equal("/tmp/x/b", Build(null, "--repo=r", "--root=/tmp/x", "--touch-file=a", "--touch-file=b").Loop.TouchFile);

    [Theory]
    [InlineData("-v=6")]
    [InlineData("-v6")]
    [InlineData("--verbose=6")]
    [InlineData("--v=6")]
    public void Verbosity_has_short_long_and_v3_spellings(string arg)
        => Assert.Equal(6, Build(null, "--repo=r", "--root=/tmp/x", arg).Verbosity);

    [Fact]
    public void Short_verbosity_takes_the_next_argument()
        => Assert.Equal(5, Build(null, "--repo=r", "--root=/tmp/x", "-v", "5").Verbosity);

    [Fact]
    public void Environment_fills_flags_not_given_and_the_command_line_wins()
    {
        var env = new Dictionary<string, string> { ["GITSYNC_REPO"] = "env-repo", ["GITSYNC_ROOT"] = "/tmp/env", ["GITSYNC_DEPTH"] = "7" };
        var o = Build(env, "--depth=2");
        Assert.Equal("env-repo", o.Sync.Repo);
        Assert.Equal("/tmp/env", o.Sync.Root);
        Assert.Equal(2, o.Sync.Depth);
    }

    [Fact]
    public void Deprecated_environment_variable_wins_over_the_new_one_with_a_warning()
    {
        var env = new Dictionary<string, string> { ["GITSYNC_REPO"] = "new", ["GIT_SYNC_REPO"] = "old", ["GITSYNC_ROOT"] = "/tmp/x" };
        var request = OptionsBuilder.Build([], n => env.GetValueOrDefault(n));
        Assert.Equal("old", request.Options!.Sync.Repo);
        Assert.Contains(request.Warnings, w => w.Contains("overridden", StringComparison.Ordinal));
    }

    [Fact]
    public void V3_wait_and_timeout_map_to_period_and_sync_timeout()
    {
        var o = Build(null, "--repo=r", "--root=/tmp/x", "--wait=0.5", "--timeout=3");
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.Loop.Period);
        Assert.Equal(TimeSpan.FromSeconds(3), o.Loop.SyncTimeout);
    }

    [Fact]
    public void Init_phase_defaults_to_steady_state_settings()
    {
        var o = Build(null, "--repo=r", "--root=/tmp/x", "--period=2s", "--max-failures=4");
        Assert.Equal(TimeSpan.FromSeconds(2), o.Loop.InitPeriod);
        Assert.Equal(4, o.Loop.InitMaxFailures);
    }

    [Fact]
    public void Default_link_is_the_last_path_element_of_the_repo()
    {
        Assert.Equal("/tmp/x/site", Build(null, "--repo=https://example.com/org/site/", "--root=/tmp/x").Sync.Link);
        Assert.Equal("/tmp/x/repo.git", Build(null, "--repo=git@host:org/repo.git", "--root=/tmp/x").Sync.Link);
    }

    [Fact]
    public void Relative_link_touch_and_error_files_are_under_the_root_and_absolute_ones_stay()
    {
        var o = Build(null, "--repo=r", "--root=/tmp/x", "--link=a/b/link", "--touch-file=/var/t", "--error-file=e.json");
        Assert.Equal("/tmp/x/a/b/link", o.Sync.Link);
        Assert.Equal("/var/t", o.Loop.TouchFile);
        Assert.Equal("/tmp/x/e.json", o.Loop.ErrorFile);
    }

    [Fact]
    public void Root_with_dot_dot_segments_is_normalized()
        => Assert.Equal("/tmp/x", Build(null, "--repo=r", "--root=/tmp/../tmp/./x/").Sync.Root);

    [Fact]
    public void Full_hash_ref_is_recognised_and_lower_cased()
    {
        var o = Build(null, "--repo=r", "--root=/tmp/x", "--ref=" + new string('A', 40));
        Assert.True(o.Sync.Ref.IsHash);
        Assert.Equal(new string('a', 40), o.Sync.Ref.Text);
    }

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--period=xyz", "--period")]
    [InlineData("--depth=-1", "--depth")]
    [InlineData("--period=1ms", "--period")]
    [InlineData("--sync-timeout=5ms", "--sync-timeout")]
    [InlineData("--git-gc=sometimes", "--git-gc")]
    [InlineData("--submodules=all", "--submodules")]
    [InlineData("--http-metrics", "--http-bind")]
    [InlineData("--sync-on-signal=SIGNOPE", "--sync-on-signal")]
    [InlineData("--change-permissions=0775", "--change-permissions")]
    [InlineData("--git-config=k:\"unterminated", "--git-config")]
    [InlineData("--one-time=maybe", "--one-time")]
    public void Bad_input_is_one_line_naming_the_flag(string arg, string flag)
        => Assert.Contains(flag, ErrorOf(null, "--repo=r", "--root=/tmp/x", arg));

    [Fact]
    public void Pre_publish_hook_timeout_must_be_shorter_than_the_sync_timeout()
    {
        Assert.Contains("--pre-publish-exechook-timeout",
            ErrorOf(null, "--repo=r", "--root=/tmp/x", "--pre-publish-exechook-command=/bin/true", "--sync-timeout=20s"));
        Assert.NotNull(Build(null, "--repo=r", "--root=/tmp/x", "--pre-publish-exechook-command=/bin/true", "--sync-timeout=31s").Hooks.PrePublishHook);
    }

    [Fact]
    public void Conflicting_branch_and_rev_is_an_error()
        => Assert.Contains("--branch", ErrorOf(null, "--repo=r", "--root=/tmp/x", "--branch=a", "--rev=b"));

    [Fact]
    public void Branch_with_rev_head_selects_the_branch()
        => Assert.Equal("a", Build(null, "--repo=r", "--root=/tmp/x", "--branch=a", "--rev=HEAD").Sync.Ref.Text);

    [Theory]
    [InlineData("--ref=--upload-pack=touch /tmp/x", "--ref")]
    [InlineData("--ref=-c", "--ref")]
    [InlineData("--branch=--upload-pack=x", "--ref")]
    [InlineData("--rev=-x", "--ref")]
    [InlineData("--ref=main\nx", "--ref")]
    public void Option_like_or_multi_line_ref_is_refused(string arg, string flag)
        => Assert.Contains(flag, ErrorOf(null, "--repo=r", "--root=/tmp/x", arg));

    [Theory]
    [InlineData("--repo=--upload-pack=touch /tmp/x")]
    [InlineData("--repo=-u")]
    public void Option_like_repo_is_refused(string arg)
        => Assert.Contains("--repo", ErrorOf(null, "--root=/tmp/x", arg));

    [Fact]
    public void Dashes_inside_values_are_fine()
    {
        var o = Build(null, "--repo=https://host/my-repo", "--root=/tmp/x", "--ref=release-1.0");
        Assert.Equal("release-1.0", o.Sync.Ref.Text);
    }

    [Fact]
    public void Empty_ref_is_an_error_as_upstream()
    {
        Assert.Contains("--ref must be specified", ErrorOf(null, "--repo=r", "--root=/tmp/x", "--ref="));
        Assert.Contains("--ref must be specified", ErrorOf(new Dictionary<string, string> { ["GITSYNC_REF"] = "" }, "--repo=r", "--root=/tmp/x"));
        // Not giving it at all means HEAD, and the v3 spellings still set it.
        Assert.Equal("HEAD", Build(null, "--repo=r", "--root=/tmp/x").Sync.Ref.Text);
        Assert.Equal("a", Build(null, "--repo=r", "--root=/tmp/x", "--ref=", "--branch=a").Sync.Ref.Text);
    }

    [Theory]
    [InlineData("https://token@host/r")]
    [InlineData("https://user:pass@host/r")]
    [InlineData("ssh://user:pass@host/r")]
    public void Username_with_credentials_in_the_repo_url_is_an_error(string repo)
        => Assert.Contains("--username", ErrorOf(new Dictionary<string, string> { ["GITSYNC_PASSWORD"] = "p" }, "--repo=" + repo, "--root=/tmp/x", "--username=u"));

    [Fact]
    public void Username_with_an_ssh_user_in_the_repo_url_is_fine()
        => Assert.Equal("u", Build(new Dictionary<string, string> { ["GITSYNC_PASSWORD"] = "p" }, "--repo=ssh://git@host/r", "--root=/tmp/x", "--username=u").Auth.Username);

    [Fact]
    public void Missing_repo_and_root_are_reported()
    {
        Assert.Contains("--repo", ErrorOf(null, "--root=/tmp/x"));
        Assert.Contains("--root", ErrorOf(null, "--repo=r"));
    }

    [Fact]
    public void Malformed_environment_value_is_an_error_even_with_help()
    {
        var env = new Dictionary<string, string> { ["GITSYNC_PERIOD"] = "soon" };
        Assert.Contains("GITSYNC_PERIOD", ErrorOf(env, "--help"));
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("-?")]
    public void Help_spellings_ask_for_help(string arg)
        => Assert.Equal(CliAction.Help, OptionsBuilder.Build([arg], _ => null).Action);

    [Fact]
    public void Positional_arguments_are_rejected()
        => Assert.Contains("unexpected argument", ErrorOf(null, "--repo=r", "--root=/tmp/x", "extra"));

    [Fact]
    public void Hidden_env_flag_sets_an_environment_only_value()
    {
        // Refused until credentials land (issue 3), which proves the value reached the builder.
        var e = ErrorOf(null, "--repo=r", "--root=/tmp/x", "--__env__GITSYNC_PASSWORD=secret");
        Assert.Contains("GITSYNC_PASSWORD", e);
    }
}
