using System.Text.Json;

namespace GitSync.Platform;

/// <summary>
/// Writes one loosely typed value as a JSON member, the way the log lines and <c>--check</c>
/// show values: numbers and booleans as JSON, durations in flag syntax, lists of strings as
/// arrays, anything else as its text passed through <c>text</c> (a redactor, say).
/// </summary>
internal static class JsonValue
{
    public static void Write(Utf8JsonWriter w, string key, object? value, Func<string, string> text)
    {
        switch (value)
        {
            case null:
                w.WriteNull(key);
                break;
            case bool b:
                w.WriteBoolean(key, b);
                break;
            case int i:
                w.WriteNumber(key, i);
                break;
            case long l:
                w.WriteNumber(key, l);
                break;
            case double d:
                w.WriteNumber(key, d);
                break;
            case TimeSpan t:
                w.WriteString(key, Duration.Format(t));
                break;
            case IEnumerable<string> list:
                w.WriteStartArray(key);
                foreach (var s in list)
                {
                    w.WriteStringValue(text(s));
                }
                w.WriteEndArray();
                break;
            default:
                w.WriteString(key, text(value.ToString() ?? ""));
                break;
        }
    }
}
