namespace GitSync.Git;

/// <summary>Reads <c>git ls-remote</c> output the way git's fetch resolves a short ref name.</summary>
internal static class RemoteRefs
{
    public static string? Resolve(string wanted, string lsRemoteOutput)
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
        // git's rev-parse rules, in order: the name itself, refs/, tags, heads, remotes.
        string[] candidates =
        [
            wanted,
            "refs/" + wanted,
            "refs/tags/" + wanted,
            "refs/heads/" + wanted,
            "refs/remotes/" + wanted,
            "refs/remotes/" + wanted + "/HEAD",
        ];
        foreach (var name in candidates)
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
