using GitSync.Cli;
using Xunit;

namespace GitSync.Tests.Cli;

/// <summary>--check's warnings about settings a pod under the restricted profile refuses.</summary>
public sealed class RestrictedProfileTests
{
    [Fact]
    public void Restricted_profile_warnings_name_what_a_read_only_root_filesystem_refuses()
    {
        static GitSyncOptions Options(params string[] args) =>
            OptionsBuilder.Build(["--repo=https://example.com/r", "--root=/git", .. args], _ => null).Options!;

        Assert.Empty(RestrictedProfile.Warnings(Options("--link=html", "--touch-file=touched", "--http-bind=:8080")));
        Assert.Empty(RestrictedProfile.Warnings(Options("--link=/git/sub/html", "--error-file=/git/error.json")));
        Assert.Single(RestrictedProfile.Warnings(Options("--add-user")));
        Assert.Single(RestrictedProfile.Warnings(Options("--http-bind=127.0.0.1:443")));
        Assert.Single(RestrictedProfile.Warnings(Options("--link=/gitx/html")));
        Assert.Single(RestrictedProfile.Warnings(Options("--error-file=/var/log/git-sync.json")));
    }
}
