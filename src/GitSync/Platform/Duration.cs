using System.Globalization;
using System.Text;

namespace GitSync.Platform;

/// <summary>Go-style durations: <c>100ms</c>, <c>1.5s</c>, <c>2m30s</c>, <c>1h</c>, <c>-1s</c>, <c>0</c>.</summary>
internal static class Duration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
        {
            return true;
        }
        if (s.Length == 0)
        {
            return false;
        }
        double totalNs = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (start == i)
            {
                return false;
            }
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }
            var unit = s[unitStart..i];
            double scale = unit switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                _ => double.NaN,
            };
            if (double.IsNaN(scale))
            {
                return false;
            }
            totalNs += number * scale;
        }
        if (totalNs / 100 > long.MaxValue)
        {
            return false;
        }
        value = TimeSpan.FromTicks((long)Math.Round(totalNs / 100));
        if (negative)
        {
            value = -value;
        }
        return true;
    }

    /// <summary>Formats like Go's <c>time.Duration.String()</c> (close enough for logs and --help).</summary>
    public static string Format(TimeSpan t)
    {
        if (t == TimeSpan.Zero)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        if (t < TimeSpan.Zero)
        {
            sb.Append('-');
            t = t.Negate();
        }
        if (t < TimeSpan.FromSeconds(1))
        {
            var ms = t.TotalMilliseconds;
            sb.Append(ms.ToString("0.###", CultureInfo.InvariantCulture)).Append("ms");
            return sb.ToString();
        }
        var hours = (long)t.TotalHours;
        if (hours > 0)
        {
            sb.Append(hours).Append('h');
        }
        if (hours > 0 || t.Minutes > 0)
        {
            sb.Append(t.Minutes).Append('m');
        }
        var seconds = t.Seconds + (t.Ticks % TimeSpan.TicksPerSecond) / (double)TimeSpan.TicksPerSecond;
        sb.Append(seconds.ToString("0.#########", CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }
}
