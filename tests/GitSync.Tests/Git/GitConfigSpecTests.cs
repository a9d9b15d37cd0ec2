using GitSync.Git;
using Xunit;

namespace GitSync.Tests.Git;

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
