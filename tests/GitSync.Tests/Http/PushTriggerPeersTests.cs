using System.Net;
using GitSync.Cli;
using GitSync.Http;
using GitSync.Platform;
using Xunit;

namespace GitSync.Tests.Http;

/// <summary><c>--push-trigger-peers</c>: parsing, validation with one-line errors, and which addresses count as the replica itself.</summary>
public sealed class PushTriggerPeersTests
{
    private static CliRequest Build(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        OptionsBuilder.Build(
            ["--repo=file:///r", "--root=/tmp/x", "--http-bind=:8080", "--push-trigger-secret-file=/etc/secret", .. args],
            name => env is not null && env.TryGetValue(name, out var v) ? v : null);

    private static IReadOnlyList<PeerAddress> Peers(string value) => Build(null, "--push-trigger-peers=" + value).Options!.Http.PushTrigger!.Peers;

    [Fact]
    public void Accepts_names_addresses_and_bracketed_IPv6_with_whitespace_and_repeats()
    {
        Assert.Equal(
            new[] { new PeerAddress("site-git-sync-pods.default.svc.cluster.local", 8080), new PeerAddress("10.0.0.7", 8080), new PeerAddress("::1", 9000), new PeerAddress("fe80::1%2", 80), new PeerAddress("peer.", 1) },
            Peers(" site-git-sync-pods.default.svc.cluster.local:8080 , 10.0.0.7:8080,[::1]:9000,[::1]:9000,[fe80::1%2]:80,peer.:1"));
    }

    [Fact]
    public void Are_read_from_the_environment_and_shown_by_check()
    {
        var env = new Dictionary<string, string> { ["GITSYNC_PUSH_TRIGGER_PEERS"] = "pods:8080,[::1]:8081" };
        GitSyncOptions options = Build(env).Options!;

        Assert.Equal(new[] { new PeerAddress("pods", 8080), new PeerAddress("::1", 8081) }, options.Http.PushTrigger!.Peers);
        string json = EffectiveConfiguration.Render(options);
        Assert.Contains("\"pushTriggerPeers\": [", json, StringComparison.Ordinal);
        Assert.Contains("\"[::1]:8081\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void None_by_default()
    {
        Assert.Empty(Build(null).Options!.Http.PushTrigger!.Peers);
        Assert.Empty(Peers("  "));
    }

    [Theory]
    [InlineData("pods", "\"pods\" has no port")]
    [InlineData("pods:", "\"pods:\" has an invalid port")]
    [InlineData("pods:0", "invalid port (expected 1-65535)")]
    [InlineData("pods:65536", "invalid port")]
    [InlineData("pods:80x", "invalid port")]
    [InlineData(":8080", "has no host")]
    [InlineData("::1:8080", "write an IPv6 address in brackets, as in [::1]:8080")]
    [InlineData("[::1]", "must be [IPV6-ADDRESS]:PORT")]
    [InlineData("[::1:8080", "must be [IPV6-ADDRESS]:PORT")]
    [InlineData("[10.0.0.1]:80", "only an IPv6 address goes in brackets")]
    [InlineData("http://pods:8080", "without a scheme, user or path")]
    [InlineData("pods:8080/trigger", "without a scheme, user or path")]
    [InlineData("user@pods:8080", "without a scheme, user or path")]
    [InlineData("10:8080", "invalid IPv4 address")]
    [InlineData("300.1.1.1:8080", "invalid IPv4 address")]
    [InlineData("bad_name:8080", "invalid host name")]
    [InlineData("-pods:8080", "invalid host name")]
    [InlineData("a..b:8080", "invalid host name")]
    [InlineData("pods:8080,,other:8080", "an entry is empty")]
    [InlineData("pods:8080,", "an entry is empty")]
    public void Malformed_entries_get_a_one_line_error_naming_the_flag(string value, string expected)
    {
        string message = Assert.Throws<ConfigException>(() => Peers(value)).Message;

        Assert.StartsWith("invalid flag: --push-trigger-peers: ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Control_characters_in_an_entry_are_not_echoed()
    {
        string message = Assert.Throws<ConfigException>(() => Peers("po\u001b[2Jds:80")).Message;

        Assert.DoesNotContain('\u001b', message);
    }

    [Fact]
    public void A_list_longer_than_any_fleet_is_refused()
    {
        string many = string.Join(',', Enumerable.Range(1, PeerAddress.MaxEntries + 1).Select(i => $"10.0.{i / 256}.{i % 256}:8080"));

        Assert.Contains("more than 256 peers", Assert.Throws<ConfigException>(() => Peers(many)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Needs_the_push_trigger()
    {
        string message = Assert.Throws<ConfigException>(() =>
            OptionsBuilder.Build(["--repo=file:///r", "--root=/tmp/x", "--http-bind=:8080", "--push-trigger-peers=pods:8080"], _ => null)).Message;

        Assert.Equal("required flag: --push-trigger-secret-file (or --push-trigger-insecure-no-auth) must be specified when --push-trigger-peers is set", message);
    }

    [Fact]
    public void A_specific_bind_is_only_that_address_and_port()
    {
        OwnEndpoints own = OwnEndpoints.Of(8080, anyLocal: false, IPAddress.Parse("10.1.2.3"));

        Assert.True(own.Contains(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8080)));
        Assert.True(own.Contains(new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 8080)));
        Assert.False(own.Contains(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8081)));
        Assert.False(own.Contains(new IPEndPoint(IPAddress.Parse("10.1.2.4"), 8080)));
        Assert.False(own.Contains(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 8080)));
    }

    [Fact]
    public void A_wildcard_bind_is_every_local_address_on_its_port()
    {
        OwnEndpoints own = OwnEndpoints.Of(8080, anyLocal: true, IPAddress.Parse("10.1.2.3"), IPAddress.Parse("fd00::3"));

        Assert.True(own.Contains(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8080)));
        Assert.True(own.Contains(new IPEndPoint(IPAddress.Parse("fd00::3"), 8080)));
        Assert.True(own.Contains(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 8080)));
        Assert.True(own.Contains(new IPEndPoint(IPAddress.IPv6Loopback, 8080)));
        Assert.False(own.Contains(new IPEndPoint(IPAddress.Parse("10.1.2.4"), 8080)));
        Assert.False(own.Contains(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 9090)));
    }

    [Fact]
    public void A_wildcard_bind_knows_this_machines_interface_addresses()
    {
        OwnEndpoints own = OwnEndpoints.From(new Bind("*", 8080));

        Assert.True(own.Contains(new IPEndPoint(IPAddress.Loopback, 8080)));
        Assert.False(own.Contains(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 8080)));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", "invalid")]
    [InlineData("0123456789abcdef", "invalid")]
    [InlineData("", "invalid")]
    [InlineData("\"},{\"level\":\"forged", "invalid")]
    public void A_forward_marker_is_logged_only_when_it_is_an_instance_id(string marker, string shown)
    {
        Assert.Equal(shown, PeerForwarder.Shown(marker));
    }
}
