using System.Net;
using System.Text;
using System.Text.Json;
using GitSync.Git;

namespace GitSync.Http;

/// <summary>What to do with an authenticated trigger request: sync, or answer that it was ignored (and why).</summary>
internal sealed record PushDecision(bool Sync, string Reason)
{
    public static PushDecision Queue(string reason) => new(true, reason);

    public static PushDecision Ignore(string reason) => new(false, reason);
}

/// <summary>
/// Reads a push webhook's payload just far enough to tell whether the push can move the ref we
/// sync. GitHub, Gitea, Forgejo and GitLab push payloads all carry the full pushed ref
/// (<c>ref: refs/heads/main</c>) with <c>before</c>/<c>after</c> hashes, and the repository's
/// default branch (<c>repository.default_branch</c>, GitLab: <c>project.default_branch</c>).
/// Anything we do not recognise syncs: a needless sync costs one <c>ls-remote</c>, a missed one
/// costs a whole period of staleness.
/// </summary>
internal static class PushPayload
{
    /// <summary>Event headers, most specific first (Forgejo also sends Gitea's, Gitea also GitHub's).</summary>
    internal static readonly string[] EventHeaders = ["X-Forgejo-Event", "X-Gitea-Event", "X-Gogs-Event", "X-GitHub-Event", "X-Gitlab-Event"];

    /// <param name="eventName">The value of the first event header present, if any.</param>
    /// <param name="body">The raw request body.</param>
    /// <param name="contentType">The request's Content-Type (GitHub can send form-encoded payloads).</param>
    /// <param name="wantedRef">The <c>--ref</c> being synced.</param>
    /// <param name="releases">The <c>--ref-semver</c> range followed instead of <paramref name="wantedRef"/>, if any.</param>
    public static PushDecision Decide(string? eventName, ReadOnlyMemory<byte> body, string? contentType, GitRef wantedRef, SemverRange? releases = null)
    {
        if (string.Equals(eventName, "ping", StringComparison.OrdinalIgnoreCase))
        {
            return PushDecision.Ignore("ping");
        }
        if (wantedRef.IsHash)
        {
            // A pushed commit may be the one we wait for; the loop knows whether it still waits.
            return PushDecision.Queue("ref is a commit hash");
        }
        var json = JsonBody(body, contentType);
        if (json is not { } payload)
        {
            return PushDecision.Queue("unrecognised payload");
        }
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return PushDecision.Queue("unrecognised payload");
            }
            if (eventName is null && root.TryGetProperty("zen", out _) && root.TryGetProperty("hook_id", out _))
            {
                return PushDecision.Ignore("ping");
            }
            if (!IsPush(root, eventName, out var pushedRef))
            {
                return PushDecision.Queue("not a push payload");
            }
            return releases is not null ? DecideRelease(pushedRef, releases) : DecideRef(pushedRef, DefaultBranch(root), wantedRef);
        }
        catch (JsonException)
        {
            return PushDecision.Queue("unrecognised payload");
        }
    }

    /// <summary>
    /// Whether a push of <paramref name="pushedRef"/> (a full ref name) can change what
    /// <paramref name="wantedRef"/> resolves to. <paramref name="defaultBranch"/> is the remote's
    /// default branch when the payload says (it is what HEAD means).
    /// </summary>
    internal static PushDecision DecideRef(string pushedRef, string? defaultBranch, GitRef wantedRef)
    {
        if (wantedRef.Kind == RefKind.Head)
        {
            // HEAD is a symbolic ref to a branch: only a branch push can move it.
            if (!pushedRef.StartsWith("refs/heads/", StringComparison.Ordinal))
            {
                return PushDecision.Ignore($"push to {pushedRef} cannot move HEAD");
            }
            if (string.IsNullOrEmpty(defaultBranch))
            {
                return PushDecision.Queue("push to a branch; default branch unknown");
            }
            return pushedRef == "refs/heads/" + defaultBranch
                ? PushDecision.Queue($"push to {pushedRef} (the default branch)")
                : PushDecision.Ignore($"push to {pushedRef} does not move HEAD (default branch {defaultBranch})");
        }
        // The ref resolves to the first of its candidates the remote has: a push to any of
        // them may move it.
        return wantedRef.Candidates.Contains(pushedRef)
            ? PushDecision.Queue($"push to {pushedRef}")
            : PushDecision.Ignore($"push to {pushedRef} does not move {wantedRef}");
    }

    /// <summary>With <c>--ref-semver</c>, only a tag in range can change the tag followed.</summary>
    internal static PushDecision DecideRelease(string pushedRef, SemverRange releases) =>
        releases.CanMove(pushedRef)
            ? PushDecision.Queue($"push to {pushedRef} (in --ref-semver range)")
            : PushDecision.Ignore($"push to {pushedRef} is not a tag in --ref-semver range {releases}");

    /// <summary>A push payload: a full <c>ref</c> plus <c>before</c>/<c>after</c>, or a <c>ref</c> under a push event header.</summary>
    private static bool IsPush(JsonElement root, string? eventName, out string pushedRef)
    {
        pushedRef = "";
        if (!root.TryGetProperty("ref", out var r) || r.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        pushedRef = r.GetString() ?? "";
        if (!pushedRef.StartsWith("refs/", StringComparison.Ordinal))
        {
            return false;
        }
        var pushEvent = eventName is not null
            && (eventName.Equals("push", StringComparison.OrdinalIgnoreCase)
                || eventName.Equals("Push Hook", StringComparison.OrdinalIgnoreCase)
                || eventName.Equals("Tag Push Hook", StringComparison.OrdinalIgnoreCase));
        return pushEvent || (root.TryGetProperty("before", out _) && root.TryGetProperty("after", out _));
    }

    private static string? DefaultBranch(JsonElement root)
    {
        foreach (var owner in (ReadOnlySpan<string>)["repository", "project"])
        {
            if (root.TryGetProperty(owner, out var o) && o.ValueKind == JsonValueKind.Object
                && o.TryGetProperty("default_branch", out var b) && b.ValueKind == JsonValueKind.String)
            {
                return b.GetString();
            }
        }
        return null;
    }

    /// <summary>
    /// The JSON document of the body: as is, or the <c>payload</c> field of a form-encoded body
    /// (GitHub's "application/x-www-form-urlencoded" content type). Decided by the body, not
    /// the header, since generic callers (<c>curl -d</c>) label JSON as a form.
    /// </summary>
    private static ReadOnlyMemory<byte>? JsonBody(ReadOnlyMemory<byte> body, string? contentType)
    {
        var trimmed = body.Span.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty)
        {
            return null;
        }
        if (trimmed[0] is (byte)'{' or (byte)'[')
        {
            return body;
        }
        if (contentType is null || contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var pair in Encoding.UTF8.GetString(body.Span).Split('&'))
            {
                if (pair.StartsWith("payload=", StringComparison.Ordinal))
                {
                    return Encoding.UTF8.GetBytes(WebUtility.UrlDecode(pair["payload=".Length..]));
                }
            }
        }
        return null;
    }
}
