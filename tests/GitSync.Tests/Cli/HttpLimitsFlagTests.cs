using GitSync.Cli;
using Xunit;
using GitSync.Http;
using GitSync.Platform;

namespace GitSync.Tests.Cli;

/// <summary>The HTTP server's adjustable limits: defaults, flags, environment, validation.</summary>
public sealed class HttpLimitsFlagTests
{
    private static CliRequest Build(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        OptionsBuilder.Build(["--repo=file:///r", "--root=/tmp/x", "--http-bind=:8080", .. args], name => env is not null && env.TryGetValue(name, out var v) ? v : null);

    [Fact]
    public void Defaults_bound_every_resource()
    {
        HttpLimits limits = Build(null).Options!.Http.Limits;
        Assert.Equal(new HttpLimits(512, TimeSpan.FromSeconds(10), 16 * 1024, TimeSpan.FromSeconds(75)), limits);
    }

    [Fact]
    public void Are_read_from_flags_or_the_environment()
    {
        Assert.Equal(
            new HttpLimits(16, TimeSpan.FromSeconds(2), 4096, TimeSpan.FromSeconds(30)),
            Build(null, "--http-max-connections=16", "--http-header-timeout=2s", "--http-max-header-bytes=4096", "--http-keepalive-timeout=30s").Options!.Http.Limits);
        var env = new Dictionary<string, string>
        {
            ["GITSYNC_HTTP_MAX_CONNECTIONS"] = "32",
            ["GITSYNC_HTTP_HEADER_TIMEOUT"] = "500ms",
            ["GITSYNC_HTTP_MAX_HEADER_BYTES"] = "8192",
            ["GITSYNC_HTTP_KEEPALIVE_TIMEOUT"] = "2m",
        };
        Assert.Equal(new HttpLimits(32, TimeSpan.FromMilliseconds(500), 8192, TimeSpan.FromMinutes(2)), Build(env).Options!.Http.Limits);
    }

    [Theory]
    [InlineData("--http-max-connections", "--http-max-connections=0")]
    [InlineData("--http-header-timeout", "--http-header-timeout=0")]
    [InlineData("--http-max-header-bytes", "--http-max-header-bytes=100")]
    [InlineData("--http-keepalive-timeout", "--http-keepalive-timeout=0s")]
    public void Nonsense_values_are_refused_naming_the_flag(string flag, string arg)
        => Assert.Contains(flag, Assert.Throws<ConfigException>(() => Build(null, arg)).Message, StringComparison.Ordinal);

    [Fact]
    public void The_effective_configuration_shows_them()
    {
        string json = EffectiveConfiguration.Render(Build(null, "--http-max-connections=16").Options!);
        Assert.Contains("\"maxConnections\": 16", json, StringComparison.Ordinal);
        Assert.Contains("\"headerTimeout\": \"10s\"", json, StringComparison.Ordinal);
    }
}
