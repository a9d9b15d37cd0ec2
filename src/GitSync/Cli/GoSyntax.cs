using System.Globalization;

namespace GitSync.Cli;

/// <summary>How upstream (Go, pflag) reads booleans and integers, so manifests written for it mean the same here.</summary>
internal static class GoSyntax
{
    /// <summary>Go's strconv.ParseBool.</summary>
    public static bool? ParseBool(string text) => text switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    /// <summary>Go's strconv.ParseInt with base 0 (0x.., 0o.., 0b.. prefixes).</summary>
    public static bool TryParseInt(string text, out long value)
    {
        value = 0;
        var s = text.Trim().Replace("_", "", StringComparison.Ordinal);
        var negative = false;
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.Length == 0)
        {
            return false;
        }
        try
        {
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                value = Convert.ToInt64(s[2..], 16);
            }
            else if (s.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
            {
                value = Convert.ToInt64(s[2..], 8);
            }
            else if (s.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            {
                value = Convert.ToInt64(s[2..], 2);
            }
            else if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                return false;
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
        if (negative)
        {
            value = -value;
        }
        return true;
    }
}
