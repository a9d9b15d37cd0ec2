namespace GitSync.Git;

/// <summary>One user git config entry: <c>--git-config</c> sets (replaces), <c>--git-config-add</c> adds a value.</summary>
internal sealed record GitConfigEntry(string Key, string Value, bool Add);

/// <summary>How git is run: the executable (<c>--git</c>) and the user's own config entries, written after git-sync's defaults.</summary>
internal sealed record GitOptions
{
    public string Path { get; init; } = "git";

    public IReadOnlyList<GitConfigEntry> Config { get; init; } = [];
}
