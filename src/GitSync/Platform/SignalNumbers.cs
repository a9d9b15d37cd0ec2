namespace GitSync.Platform;

/// <summary>Signal names and numbers (Linux).</summary>
internal static class SignalNumbers
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["TSTP"] = 20, ["TTIN"] = 21,
        ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27,
        ["WINCH"] = 28, ["IO"] = 29, ["PWR"] = 30, ["SYS"] = 31,
    };

    /// <summary><c>SIGHUP</c>, <c>HUP</c> or <c>1</c> → 1; null when unknown or uncatchable.</summary>
    public static int? Parse(string text)
    {
        var s = text.Trim();
        if (int.TryParse(s, out var n))
        {
            return n is >= 1 and <= 64 and not 9 and not 19 ? n : null;
        }
        if (s.StartsWith("SIG", StringComparison.OrdinalIgnoreCase))
        {
            s = s[3..];
        }
        return Numbers.TryGetValue(s, out var v) ? v : null;
    }
}
