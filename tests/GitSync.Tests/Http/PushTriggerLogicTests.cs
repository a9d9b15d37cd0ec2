using System.Net;
using System.Security.Cryptography;
using System.Text;
using GitSync.Cli;
using GitSync.Git;
using GitSync.Http;
using GitSync.Logging;
using GitSync.Platform;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Http;

/// <summary>Which payloads can move which --ref: the pure decision behind /trigger.</summary>
public sealed class PushPayloadTests
{
    private static PushDecision Decide(string json, string wantedRef, string? eventName = "push", string? contentType = "application/json") =>
        PushPayload.Decide(eventName, Encoding.UTF8.GetBytes(json), contentType, GitRef.Parse(wantedRef));

    private static string GitHubPush(string pushedRef, string? defaultBranch = "main") =>
        PushPayloads.GitHub(pushedRef, defaultBranch);

    [Theory]
    [InlineData("refs/heads/main", "HEAD", true)]
    [InlineData("refs/heads/feature", "HEAD", false)]
    [InlineData("refs/tags/v1", "HEAD", false)]
    [InlineData("refs/heads/main", "main", true)]
    [InlineData("refs/heads/mainline", "main", false)]
    [InlineData("refs/heads/feature", "main", false)]
    [InlineData("refs/tags/v1", "v1", true)]
    [InlineData("refs/heads/v1", "v1", true)]
    [InlineData("refs/tags/v2", "v1", false)]
    [InlineData("refs/heads/main", "refs/heads/main", true)]
    [InlineData("refs/tags/main", "refs/heads/main", false)]
    [InlineData("refs/heads/release/1.x", "release/1.x", true)]
    [InlineData("refs/heads/feature", "heads/feature", true)]
    public void A_push_syncs_only_when_it_can_move_the_ref(string pushedRef, string wantedRef, bool sync)
    {
        var decision = Decide(GitHubPush(pushedRef), wantedRef);
        Assert.True(decision.Sync == sync, decision.Reason);
    }

    [Fact]
    public void HEAD_without_a_default_branch_in_the_payload_syncs_on_any_branch_push()
    {
        Assert.True(Decide(GitHubPush("refs/heads/feature", defaultBranch: null), "HEAD").Sync);
        Assert.False(Decide(GitHubPush("refs/tags/v1", defaultBranch: null), "HEAD").Sync);
    }

    [Fact]
    public void Reads_GitLab_push_and_tag_push_hooks()
    {
        Assert.True(Decide(PushPayloads.GitLab("refs/heads/main", "main"), "HEAD", "Push Hook").Sync);
        Assert.False(Decide(PushPayloads.GitLab("refs/heads/dev", "main"), "HEAD", "Push Hook").Sync);
        Assert.True(Decide(PushPayloads.GitLab("refs/tags/v3", "main"), "v3", "Tag Push Hook").Sync);
        Assert.False(Decide(PushPayloads.GitLab("refs/tags/v3", "main"), "HEAD", "Tag Push Hook").Sync);
    }

    [Fact]
    public void Recognises_a_push_without_an_event_header_by_its_shape()
        => Assert.False(Decide(GitHubPush("refs/heads/other"), "main", eventName: null).Sync);

    [Fact]
    public void Answers_pings_without_syncing()
    {
        Assert.False(Decide("""{"zen":"Keep it simple.","hook_id":1}""", "main", "ping").Sync);
        Assert.False(Decide("""{"zen":"Keep it simple.","hook_id":1}""", "main", eventName: null).Sync);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"action\":\"opened\",\"issue\":{}}")]
    [InlineData("{\"ref\":\"main\",\"ref_type\":\"branch\"}")]
    [InlineData("{\"ref\":")]
    public void Syncs_on_anything_it_does_not_recognise(string body)
        => Assert.True(Decide(body, "main", eventName: null).Sync);

    [Fact]
    public void Reads_form_encoded_GitHub_payloads()
    {
        var form = "payload=" + WebUtility.UrlEncode(GitHubPush("refs/heads/other"));
        Assert.False(Decide(form, "main", contentType: "application/x-www-form-urlencoded").Sync);
        form = "payload=" + WebUtility.UrlEncode(GitHubPush("refs/heads/main"));
        Assert.True(Decide(form, "main", contentType: "application/x-www-form-urlencoded").Sync);
    }

    [Fact]
    public void Reads_JSON_sent_with_a_form_content_type()
        => Assert.False(Decide(GitHubPush("refs/heads/other"), "main", contentType: "application/x-www-form-urlencoded").Sync);

    [Fact]
    public void A_commit_hash_ref_syncs_on_any_push()
        => Assert.True(Decide(GitHubPush("refs/heads/other"), new string('a', 40)).Sync);
}

/// <summary>Token buckets per source address, on a fake clock.</summary>
public sealed class SourceRateLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void Allows_a_burst_then_refills_at_the_rate()
    {
        var clock = new ManualClock();
        var limiter = new SourceRateLimiter(2, 3, clock);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire(A, out _));
        }
        Assert.False(limiter.TryAcquire(A, out var retry));
        Assert.Equal(TimeSpan.FromSeconds(0.5), retry);

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.False(limiter.TryAcquire(A, out _));

        clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire(A, out _));
        }
        Assert.False(limiter.TryAcquire(A, out _));
    }

    [Fact]
    public void Keeps_one_bucket_per_source()
    {
        var limiter = new SourceRateLimiter(1, 1, new ManualClock());
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.False(limiter.TryAcquire(A, out _));
        Assert.True(limiter.TryAcquire(B, out _));
    }

    [Fact]
    public void Groups_IPv6_by_64_and_IPv4_mapped_with_IPv4()
    {
        var limiter = new SourceRateLimiter(1, 1, new ManualClock());
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2::1"), out _));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2:ffff::9"), out _));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:3::1"), out _));

        Assert.True(limiter.TryAcquire(A, out _));
        Assert.False(limiter.TryAcquire(A.MapToIPv6(), out _));
    }

    [Fact]
    public void Rate_zero_turns_the_limit_off()
    {
        var limiter = new SourceRateLimiter(0, 1, new ManualClock());
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(limiter.TryAcquire(A, out _));
        }
    }

    [Fact]
    public void Bounds_the_table_and_shares_an_overflow_bucket_when_full()
    {
        var clock = new ManualClock();
        var limiter = new SourceRateLimiter(1, 1, clock);
        for (var i = 0; i < 5000; i++)
        {
            limiter.TryAcquire(new IPAddress(BitConverter.GetBytes(0x0A000000 + i)), out _);
        }
        Assert.True(limiter.TrackedSources <= 4097, $"{limiter.TrackedSources} sources tracked");

        // Once buckets refill they carry no state and make room again.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.168.9.9"), out _));
        Assert.True(limiter.TrackedSources < 10, $"{limiter.TrackedSources} sources tracked after refill");
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}

/// <summary>HMAC signatures, token comparison and the secret file's reloading.</summary>
public sealed class TriggerSecretTests : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("secret");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Accepts_the_GitHub_signature_of_the_exact_body_only()
    {
        var body = Encoding.UTF8.GetBytes("""{"ref":"refs/heads/main"}""");
        var header = PushPayloads.Signature("s3cret", body);
        Assert.True(TriggerSecret.SignatureMatches(header, body, ["s3cret"]));
        Assert.True(TriggerSecret.SignatureMatches(header.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal), body, ["s3cret"]));
        Assert.True(TriggerSecret.SignatureMatches(header, body, ["old", "s3cret"]));
        Assert.False(TriggerSecret.SignatureMatches(header, body, ["other"]));
        Assert.False(TriggerSecret.SignatureMatches(header, body[..^1], ["s3cret"]));
        Assert.False(TriggerSecret.SignatureMatches(header[..^2], body, ["s3cret"]));
        Assert.False(TriggerSecret.SignatureMatches("sha1=" + header[7..], body, ["s3cret"]));
        Assert.False(TriggerSecret.SignatureMatches("sha256=" + new string('z', 64), body, ["s3cret"]));
        Assert.False(TriggerSecret.SignatureMatches("", body, ["s3cret"]));
    }

    [Fact]
    public void Compares_tokens_exactly()
    {
        Assert.True(TriggerSecret.TokenMatches("s3cret", ["s3cret"]));
        Assert.False(TriggerSecret.TokenMatches("s3cre", ["s3cret"]));
        Assert.False(TriggerSecret.TokenMatches("s3cret2", ["s3cret"]));
        Assert.False(TriggerSecret.TokenMatches("", ["s3cret"]));
    }

    [Fact]
    public void Reads_one_secret_per_line_and_reloads_when_the_file_changes()
    {
        var path = _dir.Combine("secret");
        File.WriteAllText(path, "first-secret-0123\n\n  second-secret-0123  \n");
        var secret = TriggerSecret.Load(path, new Log(0, Stream.Null));
        Assert.Equal(["first-secret-0123", "second-secret-0123"], secret.Current);

        File.WriteAllText(path, "third-and-longer\n");
        Assert.Equal(["third-and-longer"], secret.Current);
    }

    [Fact]
    public void Follows_a_Kubernetes_style_symlink_swap()
    {
        Directory.CreateDirectory(_dir.Combine("..v1"));
        File.WriteAllText(_dir.Combine("..v1", "token"), "secret-number-one");
        File.CreateSymbolicLink(_dir.Combine("..data"), "..v1");
        File.CreateSymbolicLink(_dir.Combine("token"), "..data/token");
        var secret = TriggerSecret.Load(_dir.Combine("token"), new Log(0, Stream.Null));
        Assert.Equal(["secret-number-one"], secret.Current);

        // Same size, new content, swapped in by renaming a new ..data link over the old one.
        Directory.CreateDirectory(_dir.Combine("..v2"));
        File.WriteAllText(_dir.Combine("..v2", "token"), "secret-number-two");
        File.CreateSymbolicLink(_dir.Combine("..data_tmp"), "..v2");
        GitSync.Platform.Native.Rename(_dir.Combine("..data_tmp"), _dir.Combine("..data"));
        Assert.Equal(["secret-number-two"], secret.Current);
    }

    [Fact]
    public void Keeps_the_last_good_secret_when_the_file_goes_empty_or_missing()
    {
        var path = _dir.Combine("secret");
        File.WriteAllText(path, "a-good-long-secret");
        var secret = TriggerSecret.Load(path, new Log(0, Stream.Null));
        File.WriteAllText(path, "\n");
        Assert.Equal(["a-good-long-secret"], secret.Current);
        File.Delete(path);
        Assert.Equal(["a-good-long-secret"], secret.Current);
        File.WriteAllText(path, "short");
        Assert.Equal(["a-good-long-secret"], secret.Current);
        File.WriteAllText(path, "a-better-long-secret");
        Assert.Equal(["a-better-long-secret"], secret.Current);
    }

    [Fact]
    public void A_secret_shorter_than_16_characters_is_a_configuration_error_that_says_how_to_make_one()
    {
        var path = _dir.Combine("secret");
        File.WriteAllText(path, "a-long-enough-secret\n123456789012345\n");
        var message = Assert.Throws<ConfigException>(() => TriggerSecret.Load(path, new Log(0, Stream.Null))).Message;
        Assert.Contains("--push-trigger-secret-file", message, StringComparison.Ordinal);
        Assert.Contains("15 characters", message, StringComparison.Ordinal);
        Assert.Contains("head -c 32 /dev/urandom | base64", message, StringComparison.Ordinal);
        Assert.DoesNotContain("123456789012345", message, StringComparison.Ordinal);

        File.WriteAllText(path, "1234567890123456\n");
        Assert.Equal(["1234567890123456"], TriggerSecret.Load(path, new Log(0, Stream.Null)).Current);
    }

    [Fact]
    public void An_empty_or_missing_secret_file_is_a_configuration_error()
    {
        var path = _dir.Combine("secret");
        Assert.Throws<ConfigException>(() => TriggerSecret.Load(path, new Log(0, Stream.Null)));
        File.WriteAllText(path, " \n");
        Assert.Throws<ConfigException>(() => TriggerSecret.Load(path, new Log(0, Stream.Null)));
    }
}

/// <summary>The push trigger's flags: validation and environment binding.</summary>
public sealed class PushTriggerFlagTests
{
    private static CliRequest Build(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        OptionsBuilder.Build(["--repo=file:///r", "--root=/tmp/x", .. args], name => env is not null && env.TryGetValue(name, out var v) ? v : null);

    private static string ErrorOf(params string[] args) =>
        Assert.Throws<ConfigException>(() => Build(null, args)).Message;

    [Fact]
    public void Is_off_unless_asked_for()
        => Assert.Null(Build(null, "--http-bind=:8080").Options!.Http.PushTrigger);

    [Fact]
    public void Reads_the_secret_file_and_limits_from_flags_or_environment()
    {
        var o = Build(null, "--http-bind=:8080", "--push-trigger-secret-file=/etc/hook/secret", "--push-trigger-rate-limit=7", "--push-trigger-burst=9", "--push-trigger-max-body-bytes=2048").Options!;
        Assert.Equal(new PushTriggerOptions("/etc/hook/secret", 2048, 7, 9), o.Http.PushTrigger);

        o = Build(new Dictionary<string, string> { ["GITSYNC_PUSH_TRIGGER_SECRET_FILE"] = "/s", ["GITSYNC_HTTP_BIND"] = ":1" }).Options!;
        Assert.Equal(new PushTriggerOptions("/s", 1048576, 5, 50), o.Http.PushTrigger);
    }

    [Fact]
    public void Unauthenticated_needs_its_own_explicit_flag()
    {
        var o = Build(null, "--http-bind=:8080", "--push-trigger-insecure-no-auth").Options!;
        Assert.NotNull(o.Http.PushTrigger);
        Assert.Null(o.Http.PushTrigger!.SecretFile);
    }

    [Theory]
    [InlineData("--http-bind", "--push-trigger-secret-file=/s")]
    [InlineData("--http-bind", "--push-trigger-insecure-no-auth")]
    [InlineData("only one of", "--http-bind=:1", "--push-trigger-secret-file=/s", "--push-trigger-insecure-no-auth")]
    [InlineData("--push-trigger-rate-limit", "--http-bind=:1", "--push-trigger-secret-file=/s", "--push-trigger-rate-limit=-1")]
    [InlineData("--push-trigger-burst", "--http-bind=:1", "--push-trigger-secret-file=/s", "--push-trigger-burst=0")]
    [InlineData("--push-trigger-max-body-bytes", "--http-bind=:1", "--push-trigger-secret-file=/s", "--push-trigger-max-body-bytes=0")]
    public void Rejects_inconsistent_settings_naming_the_flag(string expected, params string[] args)
        => Assert.Contains(expected, ErrorOf(args), StringComparison.Ordinal);
}

/// <summary>Payloads shaped like the git hosts' own (trimmed to the fields that matter plus some noise).</summary>
internal static class PushPayloads
{
    public static string GitHub(string pushedRef, string? defaultBranch = "main", string after = "0000000000000000000000000000000000000001") =>
        $$"""
        {"ref":"{{pushedRef}}","before":"0000000000000000000000000000000000000000","after":"{{after}}",
         "repository":{"id":1,"full_name":"o/r"{{(defaultBranch is null ? "" : $",\"default_branch\":\"{defaultBranch}\"")}},"clone_url":"https://github.com/o/r.git"},
         "pusher":{"name":"dev"},"commits":[{"id":"{{after}}","message":"change"}]}
        """;

    public static string GitLab(string pushedRef, string defaultBranch) =>
        $$"""
        {"object_kind":"push","event_name":"push","ref":"{{pushedRef}}","before":"0000000000000000000000000000000000000000",
         "after":"0000000000000000000000000000000000000001","project":{"id":1,"default_branch":"{{defaultBranch}}"},"commits":[]}
        """;

    public static string Signature(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
