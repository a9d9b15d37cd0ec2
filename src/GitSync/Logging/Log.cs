using System.Text;
using System.Text.Json;
using GitSync.Platform;

namespace GitSync.Logging;

/// <summary>
/// JSON-lines logger on stderr, shaped like upstream's: one object per line with a timestamp,
/// the caller, the verbosity level, a message and key/value pairs. Secrets are masked here, at
/// the one place that writes, by the <see cref="Redactor"/> every value passes through.
/// </summary>
internal sealed class Log
{
    private readonly Stream _sink;
    private readonly object _gate = new();

    public Log(int verbosity, Stream? sink = null)
    {
        Verbosity = verbosity;
        _sink = sink ?? Console.OpenStandardError();
    }

    public int Verbosity { get; }

    public Redactor Redactor { get; } = new();

    /// <summary>Cheap guard for hot paths: build arguments only when the level is on.</summary>
    public bool Enabled(int level) => level <= Verbosity;

    public void Info(int level, string msg, params (string Key, object? Value)[] kv)
    {
        if (Enabled(level))
        {
            Write(level, msg, null, kv);
        }
    }

    public void Error(string? error, string msg, params (string Key, object? Value)[] kv)
        => Write(null, msg, error ?? "", kv);

    /// <summary>
    /// Something the user should change but that does not stop git-sync (a deprecated flag, a
    /// misspelt variable): an info line at level 0 that carries a <c>warning</c> field, never an
    /// <c>error</c> one, so error-line alerts don't fire on every start.
    /// </summary>
    public void Warning(string warning, string msg, params (string Key, object? Value)[] kv)
        => Write(0, msg, null, [("warning", warning), .. kv]);

    /// <summary>Formats a record the same way the log does (used for the error file).</summary>
    public byte[] Format(int? level, string msg, string? error, (string Key, object? Value)[] kv)
    {
        var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("logger", "");
            w.WriteString("ts", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture));
            w.WritePropertyName("caller");
            w.WriteStartObject();
            w.WriteString("file", "git-sync");
            w.WriteNumber("line", 0);
            w.WriteEndObject();
            if (level is int l)
            {
                w.WriteNumber("level", l);
            }
            w.WriteString("msg", Redactor.Redact(msg));
            if (error is not null)
            {
                w.WriteString("error", Redactor.Redact(error));
            }
            foreach (var (key, value) in kv)
            {
                WriteValue(w, key, value);
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private void WriteValue(Utf8JsonWriter w, string key, object? value)
        => JsonValue.Write(w, key, value, Redactor.Redact);

    private void Write(int? level, string msg, string? error, (string Key, object? Value)[] kv)
    {
        var bytes = Format(level, msg, error, kv);
        lock (_gate)
        {
            try
            {
                _sink.Write(bytes);
                _sink.WriteByte((byte)'\n');
                _sink.Flush();
            }
            catch (IOException)
            {
                // stderr closed: nothing sensible left to do with a log line.
            }
        }
    }
}

/// <summary>
/// Masks secrets in anything logged: passwords embedded in URLs (<c>scheme://user:pass@host</c>)
/// and any literal secret registered at runtime (password files, tokens).
/// </summary>
internal sealed class Redactor
{
    private volatile string[] _secrets = [];
    private readonly object _gate = new();

    public void AddSecret(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 3)
        {
            return;
        }
        lock (_gate)
        {
            if (Array.IndexOf(_secrets, secret) < 0)
            {
                _secrets = [.. _secrets, secret];
            }
        }
    }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        text = RedactUrlPasswords(text);
        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, "REDACTED", StringComparison.Ordinal);
            }
        }
        return text;
    }

    /// <summary>
    /// Replaces the password of every <c>scheme://user:password@</c> with REDACTED, and the
    /// whole user part of <c>http(s)://user@</c>.
    /// </summary>
    public static string RedactUrlPasswords(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        var pos = 0;
        while (scheme >= 0)
        {
            var start = scheme + 3;
            var end = start;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('/' or '"' or '\'' or '@'))
            {
                end++;
            }
            // Passwords may contain '@' only percent-encoded, so the authority ends at the last '@'
            // before the first '/' or whitespace.
            var authorityEnd = start;
            while (authorityEnd < text.Length && !char.IsWhiteSpace(text[authorityEnd]) && text[authorityEnd] is not ('/' or '"' or '\''))
            {
                authorityEnd++;
            }
            var at = text.LastIndexOf('@', authorityEnd - 1, Math.Max(0, authorityEnd - start));
            if (at >= start)
            {
                var colon = text.IndexOf(':', start, at - start);
                if (colon >= 0)
                {
                    sb.Append(text, pos, colon + 1 - pos);
                    sb.Append("REDACTED");
                    pos = at;
                }
                else if (at > start && IsHttp(text, scheme))
                {
                    // https://TOKEN@host: a lone user part of an http(s) URL is a token by
                    // convention (an SSH URL's user, as in ssh://git@host, is not).
                    sb.Append(text, pos, start - pos);
                    sb.Append("REDACTED");
                    pos = at;
                }
            }
            scheme = text.IndexOf("://", authorityEnd, StringComparison.Ordinal);
        }
        sb.Append(text, pos, text.Length - pos);
        return sb.ToString();
    }

    /// <summary>Whether the scheme ending at <paramref name="separator"/> (the index of "://") is http or https.</summary>
    private static bool IsHttp(string text, int separator)
    {
        var start = separator;
        while (start > 0 && char.IsAsciiLetterOrDigit(text[start - 1]))
        {
            start--;
        }
        var scheme = text.AsSpan(start, separator - start);
        return scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
    }
}
