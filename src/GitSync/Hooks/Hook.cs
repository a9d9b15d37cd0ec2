namespace GitSync.Hooks;

/// <summary>Something to tell about a published revision. Throws <see cref="HookException"/> on failure.</summary>
internal interface IHook
{
    /// <summary>The metric label: <c>exechook</c>, <c>webhook</c>, <c>pre-publish-exechook</c>.</summary>
    string Name { get; }

    Task RunAsync(string worktree, string hash, CancellationToken ct);
}

/// <summary>A hook run that did not succeed.</summary>
internal sealed class HookException(string message) : Exception(message);
