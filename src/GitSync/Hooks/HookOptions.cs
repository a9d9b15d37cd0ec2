namespace GitSync.Hooks;

/// <summary>A command hook (exec or pre-publish): what to run, how long it may take, how long to wait after a failure.</summary>
internal sealed record CommandHookOptions(string Command, TimeSpan Timeout, TimeSpan Backoff);

/// <summary>The webhook: where to call, with which method, what status means success.</summary>
internal sealed record WebhookOptions(string Url, string Method, int SuccessStatus, TimeSpan Timeout, TimeSpan Backoff);

/// <summary>The hooks configured: each is null when off.</summary>
internal sealed record HookOptions
{
    /// <summary>Runs in the new tree after each publish (<c>--exechook-*</c>).</summary>
    public CommandHookOptions? ExecHook { get; init; }

    /// <summary>Runs in the new tree before the link moves; the link moves only once it succeeds (<c>--pre-publish-exechook-*</c>).</summary>
    public CommandHookOptions? PrePublishHook { get; init; }

    /// <summary>Called after each publish (<c>--webhook-*</c>).</summary>
    public WebhookOptions? Webhook { get; init; }
}
