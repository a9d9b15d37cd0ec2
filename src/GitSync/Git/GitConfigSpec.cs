using System.Text;

namespace GitSync.Git;

/// <summary>
/// Parses <c>--git-config</c>: <c>key:value,key:value</c>. Keys and values may be double-quoted;
/// escapes are <c>\n \t \" \, \\</c> (anything else is an error); a key containing ':' must be
/// quoted; an unquoted value needs <c>\,</c> for a comma.
/// </summary>
internal static class GitConfigSpec
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string text, bool single = false)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }
        var i = 0;
        while (i < text.Length)
        {
            var key = text[i] == '"' ? Quoted(text, ref i) : Unquoted(text, ref i, stopAtColon: true);
            if (i >= text.Length || text[i] != ':')
            {
                throw new FormatException($"expected ':' after key \"{key}\"");
            }
            i++;
            var value = i < text.Length && text[i] == '"' ? Quoted(text, ref i) : Unquoted(text, ref i, stopAtColon: false);
            if (key.Length == 0)
            {
                throw new FormatException("empty key");
            }
            result.Add(new(key, value));
            if (i < text.Length)
            {
                if (text[i] != ',')
                {
                    throw new FormatException($"expected ',' after value of \"{key}\"");
                }
                if (single)
                {
                    throw new FormatException("expected exactly one key:value");
                }
                i++;
            }
        }
        return result;
    }

    private static string Quoted(string text, ref int i)
    {
        i++; // opening quote
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                i++;
                return sb.ToString();
            }
            if (c == '\\')
            {
                sb.Append(Escape(text, ref i));
                continue;
            }
            sb.Append(c);
            i++;
        }
        throw new FormatException("unterminated quoted string");
    }

    private static string Unquoted(string text, ref int i, bool stopAtColon)
    {
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == ',' || (stopAtColon && c == ':'))
            {
                break;
            }
            if (c == '\\')
            {
                sb.Append(Escape(text, ref i));
                continue;
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }

    private static char Escape(string text, ref int i)
    {
        if (i + 1 >= text.Length)
        {
            throw new FormatException("trailing backslash");
        }
        var e = text[i + 1];
        i += 2;
        return e switch
        {
            'n' => '\n',
            't' => '\t',
            '"' => '"',
            ',' => ',',
            '\\' => '\\',
            _ => throw new FormatException($"unsupported escape \\{e}"),
        };
    }
}
