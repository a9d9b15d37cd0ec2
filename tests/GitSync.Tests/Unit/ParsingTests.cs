using GitSync.Cli;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;
using GitSync.Sync;
using Xunit;

namespace GitSync.Tests.Unit;

public sealed class DurationTests
{
    [Theory]
    [InlineData("100ms", 100)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m30s", 150_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0", 0)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("-1s", -1000)]
    public void Parses_go_durations(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var d));
        Assert.Equal(milliseconds, (long)d.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1x")]
    [InlineData("s")]
    [InlineData("1..2s")]
    public void Rejects_what_go_rejects(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(100, "100ms")]
    [InlineData(10_000, "10s")]
    [InlineData(150_000, "2m30s")]
    public void Formats_like_go(long ms, string expected) => Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(ms)));
}

public sealed class GitConfigSpecTests
{
    [Fact]
    public void Splits_on_unescaped_commas_and_honours_quotes_and_escapes()
    {
        var entries = GitConfigSpec.Parse("http.postBuffer:10485760,sect.k1:\"a val\",sect.k2:another val,\"k:3\":x\\,y,e.k:\"q\\\"t\\\\\\n\"");
        Assert.Equal(
            [
                new("http.postBuffer", "10485760"),
                new("sect.k1", "a val"),
                new("sect.k2", "another val"),
                new("k:3", "x,y"),
                new("e.k", "q\"t\\\n"),
            ],
            entries);
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("k:\"open")]
    [InlineData("k:v\\q")]
    [InlineData("k:\"v\"junk")]
    public void Rejects_malformed_specs(string text) => Assert.Throws<FormatException>(() => GitConfigSpec.Parse(text));

    [Fact]
    public void Empty_spec_is_no_entries() => Assert.Empty(GitConfigSpec.Parse(""));
}

public sealed class SignalNameTests
{
    [Theory]
    [InlineData("SIGHUP", 1)]
    [InlineData("HUP", 1)]
    [InlineData("1", 1)]
    [InlineData("sigusr1", 10)]
    [InlineData("USR2", 12)]
    public void Accepts_names_with_or_without_sig_and_numbers(string text, int expected) => Assert.Equal(expected, SignalNumbers.Parse(text));

    [Theory]
    [InlineData("KILL")]
    [InlineData("9")]
    [InlineData("NOPE")]
    [InlineData("0")]
    public void Rejects_unknown_and_uncatchable_signals(string text) => Assert.Null(SignalNumbers.Parse(text));
}

public sealed class RemoteRefsTests
{
    private const string A = "1111111111111111111111111111111111111111";
    private const string B = "2222222222222222222222222222222222222222";
    private const string C = "3333333333333333333333333333333333333333";

    [Fact]
    public void Peels_annotated_tags()
        => Assert.Equal(B, RemoteRefs.Resolve(GitRef.Parse("v1"), $"{A}\trefs/tags/v1\n{B}\trefs/tags/v1^{{}}\n"));

    [Fact]
    public void Prefers_tags_over_branches_like_git_does()
        => Assert.Equal(A, RemoteRefs.Resolve(GitRef.Parse("x"), $"{B}\trefs/heads/x\n{A}\trefs/tags/x\n"));

    [Fact]
    public void Resolves_head_and_full_ref_names()
    {
        Assert.Equal(A, RemoteRefs.Resolve(GitRef.Parse("HEAD"), $"{A}\tHEAD\n"));
        Assert.Equal(C, RemoteRefs.Resolve(GitRef.Parse("refs/heads/main"), $"{C}\trefs/heads/main\n"));
    }

    [Fact]
    public void Ignores_refs_that_only_share_a_suffix()
        => Assert.Null(RemoteRefs.Resolve(GitRef.Parse("main"), $"{A}\trefs/heads/feature/main\n"));

    [Fact]
    public void Nothing_matching_is_inconclusive() => Assert.Null(RemoteRefs.Resolve(GitRef.Parse("gone"), ""));
}

public sealed class RedactorTests
{
    [Theory]
    [InlineData("fetch https://user:s3cret@host/repo failed", "fetch https://user:REDACTED@host/repo failed")]
    [InlineData("https://host/repo", "https://host/repo")]
    [InlineData("ssh://git@host:22/repo", "ssh://git@host:22/repo")]
    [InlineData("a http://u:p@h/x and https://v:q@i/y", "a http://u:REDACTED@h/x and https://v:REDACTED@i/y")]
    [InlineData("fatal: could not read Password for 'https://ghp_abc123@github.com': terminal prompts disabled", "fatal: could not read Password for 'https://REDACTED@github.com': terminal prompts disabled")]
    [InlineData("HTTP://tok@host/x ssh://git@host/y", "HTTP://REDACTED@host/x ssh://git@host/y")]
    [InlineData("git@host:repo and https://host/a@b", "git@host:repo and https://host/a@b")]
    public void Masks_passwords_in_urls(string text, string expected) => Assert.Equal(expected, Redactor.RedactUrlPasswords(text));

    [Fact]
    public void Masks_registered_secrets_anywhere()
    {
        var r = new Redactor();
        r.AddSecret("hunter22");
        Assert.Equal("password is REDACTED", r.Redact("password is hunter22"));
    }
}

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
