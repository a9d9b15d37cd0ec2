using GitSync.Cli;
using GitSync.Platform;
using GitSync.Trust;
using Xunit;

namespace GitSync.Tests.Cli;

/// <summary>--ref-semver and $GITSYNC_REF_SEMVER: read once, refused together with an explicit ref.</summary>
public sealed class RefSemverFlagTests
{
    private static GitSyncOptions Build(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        OptionsBuilder.Build(["--repo=file:///srv/repo", "--root=/tmp/r", .. args], n => env?.GetValueOrDefault(n)).Options!;

    private static string ErrorOf(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        Assert.Throws<ConfigException>(() => Build(env, args)).Message;

    [Fact]
    public void The_flag_and_the_variable_give_the_range()
    {
        Assert.Equal("~1.4", Build(null, "--ref-semver=~1.4").Sync.RefSemver?.Text);
        Assert.Equal("^2", Build(new Dictionary<string, string> { ["GITSYNC_REF_SEMVER"] = "^2" }).Sync.RefSemver?.Text);
        Assert.Null(Build(null).Sync.RefSemver);
    }

    [Theory]
    [InlineData("--ref=main")]
    [InlineData("--ref=HEAD")]
    [InlineData("--branch=main")]
    [InlineData("--rev=v1.0.0")]
    public void An_explicit_ref_is_refused_with_the_range(string flag) =>
        Assert.Contains("mutually exclusive", ErrorOf(null, "--ref-semver=^1", flag), StringComparison.Ordinal);

    [Fact]
    public void A_ref_from_the_environment_is_refused_with_the_range() =>
        Assert.Contains("--ref-semver and $GITSYNC_REF are mutually exclusive",
            ErrorOf(new Dictionary<string, string> { ["GITSYNC_REF"] = "main" }, "--ref-semver=^1"), StringComparison.Ordinal);

    [Fact]
    public void Tag_verification_is_accepted_with_a_range_although_the_ref_is_HEAD()
    {
        GitSyncOptions o = Build(null, "--ref-semver=^1", "--verify-signatures=tag", "--trusted-ssh-allowed-signers-file=/dev/null");
        Assert.Equal(SignatureMode.Tag, o.Signatures.Mode);
        // Without the range the same ref is refused.
        Assert.Contains("needs --ref to name an annotated tag",
            ErrorOf(null, "--verify-signatures=tag", "--trusted-ssh-allowed-signers-file=/dev/null"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_check_output_names_the_range()
    {
        string json = EffectiveConfiguration.Render(Build(null, "--ref-semver=~1.4"));
        Assert.Contains("\"refSemver\"", json, StringComparison.Ordinal);
        Assert.Contains("\"normalized\": \"1.4.*\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"refSemver\"", EffectiveConfiguration.Render(Build(null)), StringComparison.Ordinal);
    }
}
