using System.Buffers;
using System.Collections.Specialized;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GitSync.Cli;
using GitSync.Logging;
using GitSync.Sync;

namespace GitSync.Http;

/// <summary>
/// <c>POST /trigger</c>: a git host (or a CI job) says "I pushed", and the loop syncs now instead
/// of at the end of its period. Each request is, in this order: rate-limited per source address
/// (429), checked for method (405) and size (413), read in full within a deadline (408 when the
/// client is too slow, 400 when the body is cut short), authenticated (401, the same answer whatever was wrong), and then matched
/// against <c>--ref</c>: a push that cannot move it is answered 200 "ignored", anything else fires
/// the <see cref="SyncTrigger"/> and is answered 202 "queued". The trigger only shortens the
/// loop's wait, so triggers coalesce, never start a second concurrent sync, and go through the
/// same sync timeout and failure budget as a periodic sync.
/// </summary>
internal sealed class PushTrigger
{
    public const string Path = "/trigger";

    /// <summary>How long a client may take to send its body.</summary>
    private static readonly TimeSpan BodyDeadline = TimeSpan.FromSeconds(10);

    private readonly PushTriggerOptions _options;
    private readonly string _ref;
    private readonly SyncTrigger _trigger;
    private readonly SyncStatus _status;
    private readonly SyncMetrics? _metrics;
    private readonly Log _log;
    private readonly TriggerSecret? _secret;
    private readonly SourceRateLimiter _limiter;

    /// <exception cref="ConfigException">The secret file cannot be read or is empty.</exception>
    public PushTrigger(PushTriggerOptions options, string wantedRef, SyncTrigger trigger, SyncStatus status, SyncMetrics? metrics, Log log)
    {
        _options = options;
        _ref = wantedRef;
        _trigger = trigger;
        _status = status;
        _metrics = metrics;
        _log = log;
        _secret = options.SecretFile is null ? null : TriggerSecret.Load(options.SecretFile, log);
        _limiter = new SourceRateLimiter(options.RatePerSecond, options.Burst, TimeProvider.System);
        if (_secret is null)
        {
            log.Error("--push-trigger-insecure-no-auth is set", "the push trigger accepts unauthenticated requests: anyone who can reach the HTTP endpoint can make git-sync sync");
        }
    }

    public async Task HandleAsync(HttpListenerContext context, CancellationToken stop)
    {
        var request = context.Request;
        var response = context.Response;
        var source = SourceOf(request.Headers);
        var remote = request.RemoteEndPoint?.Address;

        if (!_limiter.TryAcquire(remote, out var retryAfter))
        {
            response.AddHeader("Retry-After", Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
            await RejectAsync(response, 429, source, remote, "rate_limited", drop: true).ConfigureAwait(false);
            return;
        }
        if (request.HttpMethod != "POST")
        {
            response.AddHeader("Allow", "POST");
            await RejectAsync(response, 405, source, remote, "method_not_allowed", drop: true).ConfigureAwait(false);
            return;
        }
        if (request.ContentLength64 > _options.MaxBodyBytes)
        {
            await RejectAsync(response, 413, source, remote, "too_large", drop: true).ConfigureAwait(false);
            return;
        }

        var (body, problem) = await ReadBodyAsync(request, stop).ConfigureAwait(false);
        if (problem is not null)
        {
            var status = problem switch { "too_large" => 413, "timeout" => 408, _ => 400 };
            await RejectAsync(response, status, source, remote, problem, drop: true).ConfigureAwait(false);
            return;
        }

        if (!Authenticated(request.Headers, body.Span))
        {
            await RejectAsync(response, 401, source, remote, "unauthorized", drop: false).ConfigureAwait(false);
            return;
        }

        var decision = PushPayload.Decide(EventName(request.Headers), body, request.ContentType, _ref);
        if (decision.Sync && GitRef.IsFullHash(_ref) && _status.Current.Hash == _ref)
        {
            decision = PushDecision.Ignore("ref is a commit hash that is already synced");
        }
        if (decision.Sync)
        {
            _trigger.Fire();
            Record(source, "queued", decision.Reason, remote);
            await AnswerAsync(response, 202, "queued", decision.Reason).ConfigureAwait(false);
        }
        else
        {
            Record(source, "ignored", decision.Reason, remote);
            await AnswerAsync(response, 200, "ignored", decision.Reason).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every credential the request presents must match (a signature, a GitLab token, a bearer
    /// token); at least one must be presented. Without a secret file (explicitly unauthenticated)
    /// everything passes.
    /// </summary>
    private bool Authenticated(NameValueCollection headers, ReadOnlySpan<byte> body)
    {
        if (_secret is null)
        {
            return true;
        }
        var secrets = _secret.Current;
        var presented = false;
        var ok = true;
        if (headers["X-Hub-Signature-256"] is { } signature)
        {
            presented = true;
            ok &= TriggerSecret.SignatureMatches(signature.Trim(), body, secrets);
        }
        if (headers["X-Gitlab-Token"] is { } token)
        {
            presented = true;
            ok &= TriggerSecret.TokenMatches(token.Trim(), secrets);
        }
        if (headers["Authorization"] is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = true;
            ok &= TriggerSecret.TokenMatches(authorization["Bearer ".Length..].Trim(), secrets);
        }
        return presented && ok;
    }

    /// <summary>Reads the whole body, at most the size limit, within the deadline; a problem is too_large, truncated or timeout.</summary>
    private async Task<(ReadOnlyMemory<byte> Body, string? Problem)> ReadBodyAsync(HttpListenerRequest request, CancellationToken stop)
    {
        var declared = request.ContentLength64;
        if (declared == 0 || (declared < 0 && !request.HasEntityBody))
        {
            return (ReadOnlyMemory<byte>.Empty, null);
        }
        var limit = _options.MaxBodyBytes;
        var buffer = new byte[declared > 0 ? declared : Math.Min(limit + 1, 16 * 1024)];
        var total = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(BodyDeadline);
        try
        {
            var stream = request.InputStream;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (declared > 0)
                    {
                        break;
                    }
                    if (buffer.Length > limit)
                    {
                        return (default, "too_large");
                    }
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit + 1L));
                }
                // The listener's stream may not observe the token itself; stop waiting anyway.
                var read = await stream.ReadAsync(buffer.AsMemory(total), deadline.Token).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                total += read;
            }
        }
        catch (OperationCanceledException)
        {
            return (default, "timeout");
        }
        catch (Exception e) when (e is IOException or HttpListenerException or ObjectDisposedException)
        {
            return (default, "truncated");
        }
        if (declared > 0 && total < declared)
        {
            return (default, "truncated");
        }
        if (total > limit)
        {
            return (default, "too_large");
        }
        return (buffer.AsMemory(0, total), null);
    }

    /// <summary>The kind of sender, for metrics and /status (what the headers claim; not proof).</summary>
    internal static string SourceOf(NameValueCollection headers)
    {
        if (headers["X-Forgejo-Event"] is not null)
        {
            return "forgejo";
        }
        if (headers["X-Gitea-Event"] is not null || headers["X-Gogs-Event"] is not null)
        {
            return "gitea";
        }
        if (headers["X-GitHub-Event"] is not null || headers["X-Hub-Signature-256"] is not null)
        {
            return "github";
        }
        if (headers["X-Gitlab-Event"] is not null || headers["X-Gitlab-Token"] is not null)
        {
            return "gitlab";
        }
        if (headers["Authorization"] is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "bearer";
        }
        return "other";
    }

    private static string? EventName(NameValueCollection headers)
    {
        foreach (var name in PushPayload.EventHeaders)
        {
            if (headers[name] is { } value)
            {
                return value.Trim();
            }
        }
        return null;
    }

    private async Task RejectAsync(HttpListenerResponse response, int status, string source, IPAddress? remote, string reason, bool drop)
    {
        Record(source, "rejected", reason, remote);
        if (drop)
        {
            // The body may not have been read: do not reuse the connection.
            response.KeepAlive = false;
        }
        await AnswerAsync(response, status, "rejected", reason).ConfigureAwait(false);
    }

    private void Record(string source, string result, string reason, IPAddress? remote)
    {
        _metrics?.PushTrigger(source, result);
        if (result == "rejected")
        {
            _metrics?.PushTriggerRejected(reason);
        }
        _status.Triggered(source, result, reason);
        _log.Info(result == "ignored" ? 2 : 1, "push trigger " + result, ("source", source), ("reason", reason), ("remote", remote?.ToString()));
    }

    private static async Task AnswerAsync(HttpListenerResponse response, int status, string result, string reason)
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
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = buffer.WrittenCount;
        await response.OutputStream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
    }
}
