using System.Globalization;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>
/// Typed reads of the parsed flags: <c>values.Int(FlagTable.Depth)</c>, so a misspelt flag does
/// not compile. A flag that was not given reads as its default. A v3 spelling folds into the flag
/// it replaces (the table's <see cref="Flag.Into"/> column): reading <see cref="FlagTable.Link"/>
/// gives <c>--dest</c>'s value when that was given, converted from its own format
/// (<c>--wait</c>'s float seconds become a duration).
/// </summary>
internal sealed class FlagValues(FlagParser parsed, Func<string, string?> getEnv)
{
    /// <summary>Whether the flag was given at all (command line or environment).</summary>
    public bool IsSet(Flag flag) => parsed.IsSet(flag.Name);

    /// <summary>The raw value as given (with where it came from), or null when not given.</summary>
    public RawValue? Given(Flag flag) => parsed.Get(flag.Name);

    public IEnumerable<RawValue> AllGiven => parsed.Values.Values;

    public string Str(Flag flag) => Effective(flag).Last;

    public string? StrOrNull(Flag flag) => Str(flag) is { Length: > 0 } s ? s : null;

    public bool Bool(Flag flag)
    {
        var raw = Effective(flag);
        return raw.Values.Count > 0 && (bool)Convert(raw, raw.Last);
    }

    public long Long(Flag flag)
    {
        var raw = Effective(flag);
        return raw.Values.Count == 0 ? 0 : (long)Convert(raw, raw.Last);
    }

    public int Int(Flag flag)
    {
        var value = Long(flag);
        if (value is > int.MaxValue or < int.MinValue)
        {
            throw new ConfigException($"invalid value for --{flag.Name}: out of range");
        }
        return (int)value;
    }

    public TimeSpan Dur(Flag flag)
    {
        var raw = Effective(flag);
        return raw.Values.Count == 0 ? TimeSpan.Zero : (TimeSpan)Convert(raw, raw.Last);
    }

    public IReadOnlyList<string> List(Flag flag) => parsed.Get(flag.Name)?.Values ?? [];

    /// <summary>A variable read only from the environment (<c>$GITSYNC_PASSWORD</c>...), after test overrides.</summary>
    public string? EnvOnly(string name) => parsed.EnvOnly(name, getEnv) is { Length: > 0 } v ? v : null;

    /// <summary>Converts every given value, so a malformed one is an error even with --help.</summary>
    public void CheckTypes()
    {
        foreach (var raw in parsed.Values.Values)
        {
            foreach (var v in raw.Values)
            {
                Convert(raw, v);
            }
        }
    }

    /// <summary>The value in effect: a v3 spelling that folds into <paramref name="flag"/>, else the flag, else its default.</summary>
    private RawValue Effective(Flag flag)
    {
        foreach (var old in FlagTable.All)
        {
            if (old.Into == flag && parsed.Get(old.Name) is { } given && Applies(given))
            {
                return given;
            }
        }
        return parsed.Get(flag.Name)
            ?? new RawValue(flag, flag.Default.Length == 0 ? [] : [flag.Default], ValueSource.Default, "--" + flag.Name);
    }

    private static bool Applies(RawValue given) => given.Flag.FoldWhen switch
    {
        FoldWhen.Set => true,
        _ => given.Flag.Type switch
        {
            FlagType.Int => !GoSyntax.TryParseInt(given.Last, out var n) || n != 0,
            _ => given.Last.Length > 0,
        },
    };

    /// <summary>Converts one value of a flag to its type; the error names where the value came from.</summary>
    public static object Convert(RawValue raw, string text)
    {
        switch (raw.Flag.Type)
        {
            case FlagType.Bool:
                return GoSyntax.ParseBool(text) ?? throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be a boolean");
            case FlagType.Int:
                if (GoSyntax.TryParseInt(text, out var i))
                {
                    return i;
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be an integer");
            case FlagType.Duration:
                if (Duration.TryParse(text, out var d))
                {
                    return d;
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be a duration like 100ms, 10s or 1m30s");
            case FlagType.FloatSeconds:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f))
                {
                    return TimeSpan.FromMilliseconds(Math.Round(f * 1000));
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be a number of seconds");
            case FlagType.IntSeconds:
                if (GoSyntax.TryParseInt(text, out var s))
                {
                    return TimeSpan.FromSeconds(s);
                }
                throw new ConfigException($"invalid value \"{text}\" for {raw.Origin}: must be an integer number of seconds");
            default:
                return text;
        }
    }
}
