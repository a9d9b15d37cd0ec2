namespace GitSync.Platform;

/// <summary>The one way git-sync makes HTTP clients (webhook, askpass URL, GitHub API).</summary>
internal static class OutboundHttp
{
    /// <summary>
    /// No redirects (a credential or a hash must not be handed on to wherever a server points),
    /// no cookies, and no client-wide timeout: every call bounds itself with its own token.
    /// </summary>
    public static HttpClient Create()
        => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
}
