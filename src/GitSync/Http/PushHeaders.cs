using Microsoft.AspNetCore.Http;

namespace GitSync.Http;

/// <summary>What the push trigger reads from a request's headers: credentials, the event, the kind of sender.</summary>
internal static class PushHeaders
{
    /// <summary>Credentials and the fan-out marker: sent twice, which copy counts would be a guess.</summary>
    private static readonly string[] OnceOnlyHeaders = ["X-Hub-Signature-256", "X-Gitlab-Token", "Authorization", PeerForwarder.MarkerHeader];

    /// <summary>
    /// The first header that appears more than once among those that authenticate or describe the
    /// request: a proxy or an attacker may add one, and which copy counts must never be a guess.
    /// </summary>
    public static string? Duplicated(IHeaderDictionary headers)
    {
        foreach (var name in OnceOnlyHeaders)
        {
            if (headers.TryGetValue(name, out var values) && values.Count > 1)
            {
                return name;
            }
        }
        foreach (var name in PushPayload.EventHeaders)
        {
            if (headers.TryGetValue(name, out var values) && values.Count > 1)
            {
                return name;
            }
        }
        return null;
    }

    public static string? Single(IHeaderDictionary headers, string name)
        => headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0]?.Trim() : null;

    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c>; other schemes are no credential of ours.</summary>
    public static string? Bearer(IHeaderDictionary headers)
        => Single(headers, "Authorization") is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;

    /// <summary>The kind of sender, for metrics and /status (what the headers claim; not proof).</summary>
    public static string SourceOf(IHeaderDictionary headers)
    {
        if (headers.ContainsKey("X-Forgejo-Event"))
        {
            return "forgejo";
        }
        if (headers.ContainsKey("X-Gitea-Event") || headers.ContainsKey("X-Gogs-Event"))
        {
            return "gitea";
        }
        if (headers.ContainsKey("X-GitHub-Event") || headers.ContainsKey("X-Hub-Signature-256"))
        {
            return "github";
        }
        if (headers.ContainsKey("X-Gitlab-Event") || headers.ContainsKey("X-Gitlab-Token"))
        {
            return "gitlab";
        }
        if (headers.TryGetValue("Authorization", out var a) && a.Count > 0 && (a[0] ?? "").StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "bearer";
        }
        return "other";
    }

    public static string? EventName(IHeaderDictionary headers)
    {
        foreach (var name in PushPayload.EventHeaders)
        {
            if (Single(headers, name) is { } value)
            {
                return value;
            }
        }
        return null;
    }
}
