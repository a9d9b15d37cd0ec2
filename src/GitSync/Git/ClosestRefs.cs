using GitSync.Platform;

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
            .Select(n => (Name: n, Distance: EditDistance.Between(target, n)))
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
}
