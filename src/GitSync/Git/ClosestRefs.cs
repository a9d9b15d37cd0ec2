namespace GitSync.Git;

/// <summary>
/// For a --ref the remote lacks: the branch and tag names it has that are nearest to it (edit
/// distance on the short names), from <c>git ls-remote --heads --tags</c> output.
/// </summary>
internal static class ClosestRefs
{
    private const int MaxNames = 5000;

    public static IReadOnlyList<string> Find(string wanted, string lsRemoteOutput, int count = 3)
    {
        var target = Short(wanted.Trim());
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lsRemoteOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }
            var name = line[(tab + 1)..].Trim();
            if (name.EndsWith("^{}", StringComparison.Ordinal))
            {
                continue;
            }
            names.Add(Short(name));
            if (names.Count >= MaxNames)
            {
                break;
            }
        }
        return names
            .Select(n => (Name: n, Distance: Distance(target, n)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(c => c.Name)
            .ToList();
    }

    private static string Short(string name)
    {
        foreach (var prefix in (string[])["refs/heads/", "refs/tags/"])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name[prefix.Length..];
            }
        }
        return name;
    }

    /// <summary>Levenshtein distance, capped in cost by the name lengths git allows.</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length > 256 || b.Length > 256)
        {
            return int.MaxValue;
        }
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
