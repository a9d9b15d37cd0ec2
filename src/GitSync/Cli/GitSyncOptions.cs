using GitSync.Auth;
using GitSync.Git;
using GitSync.Hooks;
using GitSync.Http;
using GitSync.Sync;
using GitSync.Trust;

namespace GitSync.Cli;

/// <summary>
/// Everything git-sync was told, validated once at start-up: one options record per feature.
/// Nothing reads flags or environment variables after this is built.
/// </summary>
internal sealed record GitSyncOptions
{
    public required SyncOptions Sync { get; init; }
    public LoopOptions Loop { get; init; } = new();
    public GitOptions Git { get; init; } = new();
    public AuthOptions Auth { get; init; } = new();
    public HookOptions Hooks { get; init; } = new();
    public HttpOptions Http { get; init; } = new();
    public SignatureOptions Signatures { get; init; } = new(SignatureMode.None, null, null);
    public int Verbosity { get; init; }

    /// <summary><c>--group-write</c>: files git creates are group-writable.</summary>
    public bool GroupWrite { get; init; }

    /// <summary><c>--add-user</c>: add an /etc/passwd entry for this UID if it has none.</summary>
    public bool AddUser { get; init; }
}
