using System.Text.Json;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>
/// <c>--check</c>: the configuration git-sync would run with, after flags, environment,
/// deprecated spellings and defaults are resolved, as JSON. Written from the flag table: each
/// flag's <see cref="Flag.Shown"/> names its key and reads its effective value, so a new flag
/// shows up here by its row alone. Secrets are never printed: passwords and keys appear only as
/// where they come from, URLs with their password masked, and git config values (which may hold
/// tokens, e.g. http.extraHeader) not at all.
/// </summary>
internal static class EffectiveConfiguration
{
    /// <param name="releases">With --ref-semver: what the range matches on the remote now.</param>
    public static string Render(GitSyncOptions o, ReleaseListing? releases = null)
    {
        // Keys in table order; "a.b" nests b in object a. Flags that share a key show it once.
        var top = new List<(string Key, object? Value, List<(string Key, object? Value)>? Members)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shown in FlagTable.All.Select(f => f.Shown).OfType<Shown>())
        {
            if (!seen.Add(shown.Key))
            {
                continue;
            }
            var value = shown.Value(o);
            if (value is null && shown.OmitWhenNull)
            {
                continue;
            }
            var dot = shown.Key.IndexOf('.');
            if (dot < 0)
            {
                top.Add((shown.Key, value, null));
                continue;
            }
            var parent = shown.Key[..dot];
            var index = top.FindIndex(t => t.Key == parent);
            if (index < 0)
            {
                top.Add((parent, null, []));
                index = top.Count - 1;
            }
            top[index].Members!.Add((shown.Key[(dot + 1)..], value));
        }

        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartObject();
            foreach (var (key, value, members) in top)
            {
                if (value is Git.SemverRange range)
                {
                    // --ref-semver: the range and, when listed, what it matches on the remote now.
                    ReleaseCheck.Write(w, range, releases);
                    continue;
                }
                if (members is null)
                {
                    Write(w, key, value);
                    continue;
                }
                w.WriteStartObject(key);
                foreach (var (memberKey, memberValue) in members)
                {
                    Write(w, memberKey, memberValue);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter w, string key, object? value)
        => JsonValue.Write(w, key, value is Enum e ? e.ToString().ToLowerInvariant() : value, static text => text);
}
