using System.Buffers;
using System.Text.Json;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Sync;

namespace GitSync.Http;

/// <summary>
/// <c>GET /status</c>: what an operator wants when a pod looks stuck, as one JSON object — what is
/// synced (repo with any password masked, ref, link), the served hash, when the last sync
/// succeeded and the last one published, the last error (redacted, kept with its time after later
/// successes), the consecutive failures, counts, and the last push trigger request.
/// </summary>
internal sealed class StatusPage(SyncStatus status, string repo, GitRef gitRef, string link, string pushTrigger, Redactor redactor)
{
    public const string Path = "/status";

    /// <summary>With <c>--ref-semver</c>: the range, the release tag served and any refused newer one.</summary>
    public ReleaseFollower? Releases { get; init; }

    public byte[] Render()
    {
        var s = status.Current;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("repo", redactor.Redact(repo));
            w.WriteString("ref", gitRef.Text);
            if (Releases?.Current is { } release)
            {
                w.WriteStartObject("refSemver");
                w.WriteString("range", release.Range);
                WriteOrNull(w, "tag", release.Tag);
                WriteOrNull(w, "version", release.Version);
                WriteOrNull(w, "rejectedTag", release.RejectedTag);
                WriteOrNull(w, "rejectedReason", release.RejectedReason is null ? null : redactor.Redact(release.RejectedReason));
                w.WriteEndObject();
            }
            w.WriteString("link", link);
            w.WriteBoolean("ready", status.IsReady);
            WriteOrNull(w, "hash", s.Hash);
            WriteTime(w, "lastSuccessTime", s.LastSuccess);
            WriteTime(w, "lastUpdateTime", s.LastUpdate);
            WriteOrNull(w, "lastError", s.LastError is null ? null : redactor.Redact(s.LastError));
            WriteTime(w, "lastErrorTime", s.LastErrorTime);
            WriteOrNull(w, "lastErrorClass", s.LastFailure?.Class.Name);
            WriteOrNull(w, "lastErrorHint", s.LastFailure is null ? null : redactor.Redact(s.LastFailure.Hint));
            w.WriteNumber("consecutiveFailures", s.ConsecutiveFailures);
            w.WriteNumber("syncCount", s.SyncCount);
            w.WriteNumber("updateCount", s.UpdateCount);
            w.WriteNumber("errorCount", s.ErrorCount);
            w.WriteString("pushTrigger", pushTrigger);
            if (s.LastTrigger is { } t)
            {
                w.WriteStartObject("lastTrigger");
                WriteTime(w, "time", t.Time);
                w.WriteString("source", t.Source);
                w.WriteString("result", t.Result);
                WriteOrNull(w, "reason", t.Reason is null ? null : redactor.Redact(t.Reason));
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("lastTrigger");
            }
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } t)
        {
            w.WriteString(name, t.UtcDateTime);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
