using GitSync.Sync;
using GitSync.Trust;
using Xunit;

namespace GitSync.Tests.Sync;

/// <summary>Freshness and signature-output decisions with a fake clock and canned tool output.</summary>
public sealed class FreshnessUnitTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Liveness_fails_only_after_the_heartbeat_is_older_than_timeout_plus_period()
    {
        var clock = new ManualClock();
        var status = new SyncStatus(clock);
        var freshness = new Freshness(status, null, TimeSpan.FromSeconds(130), clock);
        clock.Now += TimeSpan.FromSeconds(129);
        Assert.Null(freshness.WedgedReason());
        status.Beat();
        clock.Now += TimeSpan.FromSeconds(129);
        Assert.Null(freshness.WedgedReason());
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Contains("wedged", freshness.WedgedReason(), StringComparison.Ordinal);
        status.Beat();
        Assert.Null(freshness.WedgedReason());
    }

    [Fact]
    public void A_declared_wait_counts_as_progress_until_it_ends()
    {
        var clock = new ManualClock();
        var status = new SyncStatus(clock);
        var freshness = new Freshness(status, null, TimeSpan.FromSeconds(130), clock);
        status.Beat(TimeSpan.FromHours(1));
        clock.Now += TimeSpan.FromHours(1) + TimeSpan.FromSeconds(129);
        Assert.Null(freshness.WedgedReason());
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Contains("wedged", freshness.WedgedReason(), StringComparison.Ordinal);
        status.Beat(Timeout.InfiniteTimeSpan);
        clock.Now += TimeSpan.FromDays(365);
        Assert.Null(freshness.WedgedReason());
    }

    [Fact]
    public void Readiness_is_stale_only_with_max_staleness_and_after_a_success_older_than_it()
    {
        var clock = new ManualClock();
        var status = new SyncStatus(clock);
        var off = new Freshness(status, null, TimeSpan.FromMinutes(1), clock);
        var on = new Freshness(status, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), clock);
        Assert.Null(on.StaleReason());
        status.Succeeded("abc", updated: true);
        clock.Now += TimeSpan.FromSeconds(31);
        status.Failed("boom");
        Assert.Null(off.StaleReason());
        Assert.Contains("--max-staleness=30s", on.StaleReason(), StringComparison.Ordinal);
        status.Succeeded("abc", updated: false);
        Assert.Null(on.StaleReason());
    }

    [Theory]
    [InlineData("[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG ABC Name <a@b>\n[GNUPG:] VALIDSIG FPR 2026-01-01\n", 0, "Valid")]
    [InlineData("[GNUPG:] ERRSIG ABC 22 8 00 1 9 FPR\n[GNUPG:] NO_PUBKEY ABC\n", 1, "Untrusted")]
    [InlineData("[GNUPG:] BADSIG ABC Name <a@b>\n", 1, "Bad")]
    [InlineData("[GNUPG:] EXPKEYSIG ABC Name <a@b>\n[GNUPG:] VALIDSIG FPR\n", 1, "Expired")]
    [InlineData("[GNUPG:] REVKEYSIG ABC Name <a@b>\n", 1, "Untrusted")]
    [InlineData("gpg: can't connect\n", 2, "Error")]
    public void Reads_gpg_status_lines(string output, int exit, string expected) =>
        Assert.Equal(expected, SignatureOutput.Gpg(exit, output).Item1.ToString());

    [Theory]
    [InlineData("Good \"git\" signature for a@b with ED25519 key SHA256:x\n", 0, "Valid")]
    [InlineData("Good \"git\" signature with ED25519 key SHA256:x\nNo principal matched.\n", 1, "Untrusted")]
    [InlineData("Signature verification failed: incorrect signature\n", 1, "Bad")]
    public void Reads_ssh_keygen_output(string output, int exit, string expected) =>
        Assert.Equal(expected, SignatureOutput.Ssh(exit, output).Item1.ToString());

    [Fact]
    public void Finds_the_signature_kind_in_a_commit_header_only()
    {
        const string ssh = "tree t\nauthor a\ngpgsig -----BEGIN SSH SIGNATURE-----\n abc\n -----END SSH SIGNATURE-----\n\nmessage\n";
        const string inMessage = "tree t\nauthor a\n\n-----BEGIN PGP SIGNATURE-----\n";
        Assert.Equal(SignatureKind.Ssh, SignatureGate.CommitSignatureKind(ssh));
        Assert.Equal(SignatureKind.OpenPgp, SignatureGate.CommitSignatureKind(ssh.Replace("SSH", "PGP", StringComparison.Ordinal)));
        Assert.Equal(SignatureKind.None, SignatureGate.CommitSignatureKind(inMessage));
    }
}
