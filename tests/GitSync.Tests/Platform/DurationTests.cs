using GitSync.Platform;
using Xunit;

namespace GitSync.Tests.Platform;

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
