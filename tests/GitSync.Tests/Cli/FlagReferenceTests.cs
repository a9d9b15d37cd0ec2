using GitSync.Cli;
using Xunit;

namespace GitSync.Tests.Cli;

public sealed class FlagReferenceTests
{
    [Fact]
    public void Generated_flag_reference_matches_the_flag_table() => CheckFlagReference();

    private static void CheckFlagReference([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        var doc = File.ReadAllText(Path.Combine(dir.FullName, "docs", "flags.md"));
        Assert.Contains(Manual.Usage(), doc.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ssh-key-file", "GIT_SSH_KEY_FILE")]
    [InlineData("--ssh-known-hosts-file", "GIT_SSH_KNOWN_HOSTS_FILE")]
    [InlineData("--ssh-known-hosts", "GIT_KNOWN_HOSTS")]
    [InlineData("--askpass-url", "GIT_ASKPASS_URL")]
    public void V3_environment_names_that_still_work_are_in_help_and_the_manual(string flag, string v3Name)
    {
        foreach (var text in new[] { Manual.Usage(), Manual.Full() })
        {
            var line = text.Split('\n').Single(l => l.TrimStart().StartsWith(flag + " ", StringComparison.Ordinal) || l.TrimStart().StartsWith(flag + ",", StringComparison.Ordinal));
            Assert.Contains("$" + v3Name, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_flag_is_in_help_and_every_env_name_is_upper_case()
    {
        var help = Manual.Usage();
        foreach (var flag in FlagTable.All)
        {
            Assert.Contains("--" + flag.Name, help, StringComparison.Ordinal);
            Assert.All(flag.Env, e => Assert.Equal(e.ToUpperInvariant(), e));
        }
    }
}
