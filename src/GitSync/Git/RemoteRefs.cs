namespace GitSync.Git;

/// <summary>Reads <c>git ls-remote</c> output the way git's fetch resolves a ref name.</summary>
internal static class RemoteRefs
{
    /// <summary>
    /// The commit <paramref name="wanted"/> names on the remote, or null when the listing has
    /// none of its <see cref="GitRef.Candidates"/>.
    /// </summary>
    public static string? Resolve(GitRef wanted, string lsRemoteOutput)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lsRemoteOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }
            refs[line[(tab + 1)..].Trim()] = line[..tab].Trim();
        }
        foreach (var name in wanted.Candidates)
        {
            if (refs.TryGetValue(name + "^{}", out var peeled))
            {
                return peeled;
            }
            if (refs.TryGetValue(name, out var hash))
            {
                // An annotated tag without a peeled line yields the tag object's hash, which
                // never equals a commit hash: the caller then fetches, which is still correct.
                return hash;
            }
        }
        return null;
    }
}
