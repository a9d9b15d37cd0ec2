namespace GitSync.Platform;

/// <summary>
/// How many single-character edits (insert, delete, substitute, or swap two neighbours) turn
/// one string into another: the "did you mean" measure for flags, variables and ref names.
/// Written here because it is twenty lines and no package in use offers it.
/// </summary>
internal static class EditDistance
{
    /// <summary>Strings longer than this are never compared (the cost is quadratic).</summary>
    public const int MaxLength = 256;

    /// <summary>The optimal string alignment distance, or <see cref="int.MaxValue"/> when either string is longer than <see cref="MaxLength"/>.</summary>
    public static int Between(string a, string b, bool ignoreCase = false)
    {
        if (a.Length > MaxLength || b.Length > MaxLength)
        {
            return int.MaxValue;
        }
        // Three rows: the one before the previous is what a swap of neighbours looks back to.
        var beforePrevious = new int[b.Length + 1];
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
                var cost = Same(a[i - 1], b[j - 1], ignoreCase) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && Same(a[i - 1], b[j - 2], ignoreCase) && Same(a[i - 2], b[j - 1], ignoreCase))
                {
                    current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious);
        }
        return previous[b.Length];
    }

    private static bool Same(char x, char y, bool ignoreCase) =>
        x == y || (ignoreCase && char.ToLowerInvariant(x) == char.ToLowerInvariant(y));
}
