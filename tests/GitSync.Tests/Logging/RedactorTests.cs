using GitSync.Logging;
using Xunit;

namespace GitSync.Tests.Logging;

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
