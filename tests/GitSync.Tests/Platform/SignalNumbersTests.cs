using GitSync.Platform;
using Xunit;

namespace GitSync.Tests.Platform;

public sealed class SignalNumbersTests
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
