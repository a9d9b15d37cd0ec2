using System.Text.RegularExpressions;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>
/// "Did you mean": the closest spelling in the flag table for a mistyped flag or a mistyped
/// <c>GITSYNC_*</c>/<c>GIT_SYNC_*</c> variable. Close means an edit distance (with swapped
/// neighbours as one edit) of at most 1 for short names and 2 for longer ones.
/// </summary>
internal static partial class FlagSuggestions
{
    /// <summary>The closest flag to <paramref name="name"/> (without dashes), written the way the user wrote it, or null.</summary>
    public static string? ForFlag(string name, string dashes)
    {
        if (name.Length < 2)
        {
            return null;
        }
        var best = Closest(name, FlagTable.All.Select(f => f.Name));
        return best is null ? null : dashes + best;
    }

    /// <summary>
    /// One warning per variable that looks like git-sync's but is not in the table, naming the
    /// closest real one. Variables with no close match are left alone: Kubernetes service links
    /// (a Service named git-sync gives <c>GIT_SYNC_SERVICE_HOST</c>, <c>GIT_SYNC_PORT</c>...) and
    /// other programs' settings share the prefix.
    /// </summary>
    public static IEnumerable<string> UnknownEnvironment(IEnumerable<string> names)
    {
        var known = FlagTable.All.SelectMany(f => f.Env).Concat(FlagTable.EnvOnly).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (known.Contains(name) || ServiceLink().IsMatch(name)
                || !(name.StartsWith("GITSYNC_", StringComparison.Ordinal) || name.StartsWith("GIT_SYNC_", StringComparison.Ordinal)))
            {
                continue;
            }
            if (Closest(name, known) is { } suggestion)
            {
                yield return $"${name} is not a git-sync variable and is ignored; did you mean ${suggestion}?";
            }
        }
    }

    /// <summary>Kubernetes' variables for a Service named git-sync or git-sync-*.</summary>
    [GeneratedRegex(@"^GIT_?SYNC_([A-Z0-9_]*_)?(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$")]
    private static partial Regex ServiceLink();

    private static string? Closest(string name, IEnumerable<string> candidates)
    {
        var limit = name.Length <= 4 ? 1 : 2;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(name, candidate);
            if (d <= limit && d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /// <summary>The edit distance, ignoring case; names whose lengths differ by more than two are never close.</summary>
    internal static int Distance(string a, string b) =>
        Math.Abs(a.Length - b.Length) > 2 ? int.MaxValue : EditDistance.Between(a, b, ignoreCase: true);
}
