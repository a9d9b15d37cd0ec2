using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Platform;
using GitSync.Sync;
using Microsoft.AspNetCore.Http;

namespace GitSync.Http;

/// <summary>
/// <c>POST /trigger</c>: a git host (or a CI job) says "I pushed", and the loop syncs now instead
/// of at the end of its period. Each request is, in this order: checked for method (405);
/// refused when it carries a credential or event header twice (400: no "last one wins");
/// refused when it carries no credential, or a wrong header credential (a bearer or GitLab
/// token), before a single body byte is read (401); read — at most the size limit (413), within
/// a deadline (408), growing the buffer only as bytes arrive — only when a signature must be
/// checked or a payload decides; refused when the signature is wrong (401, the same answer
/// whatever was wrong); and then matched against <c>--ref</c>: a push that cannot move it is
/// answered 200 "ignored", anything else fires the <see cref="SyncTrigger"/> and is answered 202
/// "queued". The trigger only shortens the loop's wait, so triggers coalesce, never start a
/// second concurrent sync, and go through the same sync timeout and failure budget as a periodic
/// sync.
/// <para>
/// Two rate limits per source address, kept apart so that junk can never lock out a real
/// webhook arriving through the same proxy: rejected requests spend one budget (once it is spent,
/// the source's failures are answered 429), authenticated ones another (429 when spent).
/// </para>
/// </summary>
internal sealed class PushTrigger
{
    public const string Path = "/trigger";

    /// <summary>How long a client may take to send its body.</summary>
    internal static readonly TimeSpan BodyDeadline = TimeSpan.FromSeconds(10);

    /// <summary>Bodies being read at once: bounds the memory a flood of large bodies can take (this × the size limit); see <see cref="BodySlots"/>.</summary>
    internal const int ConcurrentBodies = 4;

    /// <summary>The first allocation for a body; it doubles as bytes arrive, up to the size limit.</summary>
    private const int InitialBodyBuffer = 4096;

    private const string OwnForward = "forwarded by this replica";

    private readonly PushTriggerOptions _options;
    private readonly GitRef _ref;
    private readonly SyncTrigger _trigger;
    private readonly SyncStatus _status;
    private readonly SyncMetrics? _metrics;
    private readonly Log _log;
    private readonly TriggerSecret? _secret;
    private readonly SourceRateLimiter _failures;
    private readonly SourceRateLimiter _accepted;
    private readonly BodySlots _bodies = new(ConcurrentBodies, TimeProvider.System);
    private readonly PeerForwarder? _peers;

    /// <summary>With <c>--ref-semver</c>: pushes of tags in this range move the ref.</summary>
    public SemverRange? Releases { get; init; }

    /// <exception cref="ConfigException">The secret file cannot be read, is empty, or holds a secret too short to be safe.</exception>
    public PushTrigger(PushTriggerOptions options, GitRef wantedRef, SyncTrigger trigger, SyncStatus status, SyncMetrics? metrics, Log log, PeerForwarder? peers = null)
    {
        _peers = peers;
        _options = options;
        _ref = wantedRef;
        _trigger = trigger;
        _status = status;
        _metrics = metrics;
        _log = log;
        _secret = options.SecretFile is null ? null : TriggerSecret.Load(options.SecretFile, log);
        _failures = new SourceRateLimiter(options.RatePerSecond, options.Burst, TimeProvider.System);
        _accepted = new SourceRateLimiter(options.RatePerSecond, options.Burst, TimeProvider.System);
        if (_secret is null)
        {
            log.Error("--push-trigger-insecure-no-auth is set", "the push trigger accepts unauthenticated requests: anyone who can reach the HTTP endpoint can make git-sync sync");
        }
    }

    public async Task HandleAsync(HttpExchange exchange, CancellationToken stop)
    {
        var headers = exchange.RequestHeaders;
        var request = new Request(PushHeaders.SourceOf(headers), exchange.RemoteAddress);

        if (exchange.Method != "POST")
        {
            exchange.ResponseHeaders.Allow = "POST";
            await RejectAsync(exchange, request, 405, "method_not_allowed", stop).ConfigureAwait(false);
            return;
        }
        if (PushHeaders.Duplicated(headers) is { } twice)
        {
            await RejectAsync(exchange, request, 400, "duplicate_header", stop, detail: twice).ConfigureAwait(false);
            return;
        }

        // Header credentials first: a wrong or missing one is refused before any body byte is read.
        var signature = PushHeaders.Single(headers, "X-Hub-Signature-256");
        var secrets = _secret?.Current ?? [];
        if (!await CheckHeaderCredentialsAsync(exchange, request, signature, secrets, stop).ConfigureAwait(false))
        {
            return;
        }

        var declared = headers.ContentLength;
        if (declared > _options.MaxBodyBytes)
        {
            await RejectAsync(exchange, request, 413, "too_large", stop).ConfigureAwait(false);
            return;
        }
        var body = await ReadBodyAsync(exchange, stop).ConfigureAwait(false);
        if (body.Problem is not null)
        {
            if (body.Problem == "truncated")
            {
                // Kestrel has closed the connection already: count it, no answer can be sent.
                Record(request, "rejected", "truncated");
                return;
            }
            var status = body.Problem switch { "too_large" => 413, "timeout" => 408, _ => 400 };
            await RejectAsync(exchange, request, status, body.Problem, stop).ConfigureAwait(false);
            return;
        }

        if (!request.Authenticated)
        {
            // A signature covers the body; it was presented with or without valid header tokens.
            if (!TriggerSecret.SignatureMatches(signature!, body.Bytes.Span, secrets))
            {
                await RejectAsync(exchange, request, 401, "unauthorized", stop).ConfigureAwait(false);
                return;
            }
            request.Authenticated = true;
            if (!await AcceptAsync(exchange, request, stop).ConfigureAwait(false))
            {
                return;
            }
        }

        // Only an authenticated request gets this far: the fan-out marker opens nothing.
        var marker = PushHeaders.Single(headers, PeerForwarder.MarkerHeader);
        request.ForwardedBy = marker is null ? null : PeerForwarder.Shown(marker);
        if (marker is not null && _peers is not null && _peers.IsOwn(marker))
        {
            // Our own forward, back through an address not known to be ours: handled already.
            Record(request, "ignored", OwnForward);
            await AnswerAsync(exchange, 200, "ignored", OwnForward, stop).ConfigureAwait(false);
            return;
        }
        if (marker is null)
        {
            // Every authenticated delivery, whatever it means here: each peer judges it itself.
            _peers?.Forward(headers, body.Bytes);
        }

        await AnswerDecisionAsync(exchange, request, body, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// Refuses a missing or wrong header credential (401) and, when the headers alone
    /// authenticate the request, spends the source's budget (429 when spent). False: answered.
    /// </summary>
    private async Task<bool> CheckHeaderCredentialsAsync(HttpExchange exchange, Request request, string? signature, IReadOnlyList<string> secrets, CancellationToken stop)
    {
        if (_secret is null)
        {
            request.Authenticated = true;
        }
        else
        {
            var headers = exchange.RequestHeaders;
            var token = PushHeaders.Single(headers, "X-Gitlab-Token");
            var bearer = PushHeaders.Bearer(headers);
            var tokensOk = (token is null || TriggerSecret.TokenMatches(token, secrets))
                           && (bearer is null || TriggerSecret.TokenMatches(bearer, secrets));
            if (!tokensOk || (signature is null && token is null && bearer is null))
            {
                await RejectAsync(exchange, request, 401, "unauthorized", stop).ConfigureAwait(false);
                return false;
            }
            // With only header credentials, the request is authenticated now.
            request.Authenticated = signature is null;
        }
        return !request.Authenticated || await AcceptAsync(exchange, request, stop).ConfigureAwait(false);
    }

    /// <summary>Matches an authenticated request against --ref: 202 and a sync, or 200 "ignored".</summary>
    private async Task AnswerDecisionAsync(HttpExchange exchange, Request request, Body body, CancellationToken stop)
    {
        var headers = exchange.RequestHeaders;
        var decision = PushPayload.Decide(PushHeaders.EventName(headers), body.Bytes, headers.ContentType, _ref, Releases);
        if (decision.Sync && _ref.IsHash && _status.Current.Hash == _ref.Text)
        {
            decision = PushDecision.Ignore("ref is a commit hash that is already synced");
        }
        if (decision.Sync)
        {
            _trigger.Fire();
            Record(request, "queued", decision.Reason);
            await AnswerAsync(exchange, 202, "queued", decision.Reason, stop).ConfigureAwait(false);
        }
        else
        {
            Record(request, "ignored", decision.Reason);
            await AnswerAsync(exchange, 200, "ignored", decision.Reason, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Spends one of the source's authenticated requests; answers 429 when none is left.</summary>
    private async Task<bool> AcceptAsync(HttpExchange exchange, Request request, CancellationToken stop)
    {
        if (_accepted.TryAcquire(request.Remote, out var retryAfter))
        {
            return true;
        }
        await RateLimitedAsync(exchange, request, retryAfter, stop).ConfigureAwait(false);
        return false;
    }

    private readonly record struct Body(ReadOnlyMemory<byte> Bytes, string? Problem);

    /// <summary>
    /// Reads the whole body within the deadline, at most the size limit, into a buffer that grows
    /// as bytes arrive (a claimed Content-Length is never allocated up front). A problem is
    /// too_large, truncated or timeout.
    /// </summary>
    private async Task<Body> ReadBodyAsync(HttpExchange exchange, CancellationToken stop)
    {
        if (!exchange.HasBody)
        {
            return new Body(ReadOnlyMemory<byte>.Empty, null);
        }
        var limit = _options.MaxBodyBytes;
        exchange.MaxBodyBytes = limit;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(BodyDeadline);
        var reader = exchange.Body;
        byte[] buffer = [];
        var total = 0;
        BodySlots.Slot? slot = null;
        CancellationTokenSource? read = null;
        try
        {
            slot = await _bodies.AcquireAsync(deadline.Token).ConfigureAwait(false);
            // Ends at the deadline, or when a newcomer takes the slot of this slow read.
            read = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, slot.Evicted);
            while (true)
            {
                var result = await reader.ReadAsync(read.Token).ConfigureAwait(false);
                var data = result.Buffer;
                if (total + data.Length > limit)
                {
                    reader.AdvanceTo(data.End);
                    return new Body(default, "too_large");
                }
                if (total + (int)data.Length > buffer.Length)
                {
                    var size = Math.Max(InitialBodyBuffer, buffer.Length);
                    while (size < total + data.Length)
                    {
                        size *= 2;
                    }
                    Array.Resize(ref buffer, Math.Min(size, limit));
                }
                data.CopyTo(buffer.AsSpan(total));
                total += (int)data.Length;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return new Body(default, "timeout");
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own checks: the size limit on a chunked body, the minimum data rate, or a
            // connection that ended before the announced length.
            return new Body(default, e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "too_large",
                StatusCodes.Status408RequestTimeout => "timeout",
                _ => "truncated",
            });
        }
        catch (IOException)
        {
            return new Body(default, "truncated");
        }
        finally
        {
            read?.Dispose();
            slot?.Dispose();
        }
        return new Body(buffer.AsMemory(0, total), null);
    }

    /// <summary>
    /// Refuses the request. Unauthenticated failures spend the source's failure budget; once it
    /// is spent they are answered 429 instead, which never affects authenticated requests.
    /// </summary>
    private async Task RejectAsync(HttpExchange exchange, Request request, int status, string reason, CancellationToken stop, string? detail = null)
    {
        if (!request.Authenticated && !_failures.TryAcquire(request.Remote, out var retryAfter))
        {
            await RateLimitedAsync(exchange, request, retryAfter, stop).ConfigureAwait(false);
            return;
        }
        Record(request, "rejected", reason, detail);
        // The body may be unread: do not reuse the connection (and do not drain it).
        exchange.CloseAfterAnswer();
        await AnswerAsync(exchange, status, "rejected", reason, stop).ConfigureAwait(false);
    }

    private async Task RateLimitedAsync(HttpExchange exchange, Request request, TimeSpan retryAfter, CancellationToken stop)
    {
        exchange.ResponseHeaders.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        Record(request, "rejected", "rate_limited");
        exchange.CloseAfterAnswer();
        await AnswerAsync(exchange, 429, "rejected", "rate_limited", stop).ConfigureAwait(false);
    }

    /// <summary>Metrics and the log for every request; <c>/status</c> only for authenticated ones, so anonymous noise never hides the last real delivery.</summary>
    private void Record(Request request, string result, string reason, string? detail = null)
    {
        _metrics?.PushTrigger(request.Source, result);
        if (result == "rejected")
        {
            _metrics?.PushTriggerRejected(reason);
        }
        if (request.Authenticated)
        {
            _status.Triggered(request.Source, result, reason);
        }
        var level = result == "ignored" ? 2 : 1;
        if (!_log.Enabled(level))
        {
            return;
        }
        List<(string, object?)> fields = [("source", request.Source), ("reason", reason)];
        if (detail is not null)
        {
            fields.Add(("detail", detail));
        }
        fields.Add(("remote", request.Remote?.ToString()));
        if (request.ForwardedBy is not null)
        {
            fields.Add(("forwardedBy", request.ForwardedBy));
        }
        _log.Info(level, "push trigger " + result, [.. fields]);
    }

    private static Task AnswerAsync(HttpExchange exchange, int status, string result, string reason, CancellationToken stop)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("result", result);
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return exchange.AnswerAsync(status, "application/json", buffer.WrittenMemory, stop);
    }

    /// <summary>What is known about a request as it goes through the checks.</summary>
    private sealed class Request(string source, IPAddress? remote)
    {
        public string Source { get; } = source;

        public IPAddress? Remote { get; } = remote;

        /// <summary>Every credential it carries has been checked and is valid (or none is needed).</summary>
        public bool Authenticated { get; set; }

        /// <summary>The instance marker of the replica that forwarded it (read once authenticated); null for a delivery from the git host.</summary>
        public string? ForwardedBy { get; set; }
    }
}
