using System.Security.Cryptography;
using System.Text;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Http;

/// <summary>
/// The push trigger's shared secret(s), read from <c>--push-trigger-secret-file</c>: one secret per
/// non-empty line (surrounding whitespace ignored), any of which is accepted, so a rotation can
/// list the old and the new secret for a while. The file is re-read when it changes: every
/// request compares the file's real path (symlinks resolved: Kubernetes swaps secret volumes
/// through them), modification time and size with the last read ones: a few system calls.
/// A file that becomes unreadable or empty keeps the last good secrets (and logs an error).
/// Every secret must be at least <see cref="MinLength"/> characters: the endpoint is often on the
/// internet, and a short secret can be guessed there.
/// </summary>
internal sealed class TriggerSecret
{
    /// <summary>The shortest secret accepted.</summary>
    public const int MinLength = 16;

    private readonly string _path;
    private readonly Log _log;
    private readonly Lock _reload = new();
    private volatile Loaded _loaded;

    private TriggerSecret(string path, Log log, Loaded loaded)
    {
        _path = path;
        _log = log;
        _loaded = loaded;
    }

    /// <summary>Reads the file at start-up; a missing, unreadable or empty file, or a short secret, is a configuration error.</summary>
    public static TriggerSecret Load(string path, Log log)
    {
        var stamp = Stamp(path);
        var loaded = Read(path, stamp, out var problem)
            ?? throw new ConfigException($"invalid flag: --push-trigger-secret-file: {problem}");
        foreach (var secret in loaded.Secrets)
        {
            log.Redactor.AddSecret(secret);
        }
        return new TriggerSecret(path, log, loaded);
    }

    /// <summary>The secrets in force, re-read first if the file changed since the last read.</summary>
    public IReadOnlyList<string> Current
    {
        get
        {
            var loaded = _loaded;
            var stamp = Stamp(_path);
            if (stamp == loaded.Stamp)
            {
                return loaded.Secrets;
            }
            lock (_reload)
            {
                loaded = _loaded;
                if (stamp == loaded.Stamp)
                {
                    return loaded.Secrets;
                }
                if (Read(_path, stamp, out var problem) is { } fresh)
                {
                    foreach (var secret in fresh.Secrets)
                    {
                        _log.Redactor.AddSecret(secret);
                    }
                    _loaded = fresh;
                    _log.Info(0, "push trigger secret reloaded", ("path", _path), ("secrets", fresh.Secrets.Count));
                    return fresh.Secrets;
                }
                // Keep serving with the last good secrets; do not retry on every request until
                // the file changes again.
                _loaded = loaded with { Stamp = stamp };
                _log.Error(problem, "can't reload the push trigger secret, keeping the previous one", ("path", _path));
                return loaded.Secrets;
            }
        }
    }

    /// <summary><c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c> with any of <paramref name="secrets"/>.</summary>
    public static bool SignatureMatches(string header, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets)
    {
        const string prefix = "sha256=";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || header.Length != prefix.Length + 64)
        {
            return false;
        }
        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(header.AsSpan(prefix.Length), given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[32];
        var match = false;
        foreach (var secret in secrets)
        {
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
            match |= CryptographicOperations.FixedTimeEquals(expected, given);
        }
        return match;
    }

    /// <summary>
    /// A token (<c>X-Gitlab-Token</c>, <c>Authorization: Bearer</c>) equal to any of
    /// <paramref name="secrets"/>. Both sides are hashed first so that the comparison takes the
    /// same time whatever the lengths.
    /// </summary>
    public static bool TokenMatches(string token, IReadOnlyList<string> secrets)
    {
        Span<byte> given = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), given);
        Span<byte> expected = stackalloc byte[32];
        var match = false;
        foreach (var secret in secrets)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(secret), expected);
            match |= CryptographicOperations.FixedTimeEquals(expected, given);
        }
        return match;
    }

    private sealed record Loaded(FileStamp Stamp, IReadOnlyList<string> Secrets);

    private readonly record struct FileStamp(string? Path, DateTime Modified, long Size);

    private static FileStamp Stamp(string path)
    {
        try
        {
            // The real path changes when Kubernetes swaps its ..data link to a new version
            // directory, even if the new file has the same size and the same (coarse) mtime.
            var real = Platform.Native.RealPath(path);
            var info = new FileInfo(real);
            return info.Exists ? new FileStamp(real, info.LastWriteTimeUtc, info.Length) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    private static Loaded? Read(string path, FileStamp stamp, out string problem)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"can't read {path}: {e.Message}";
            return null;
        }
        var secrets = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (secrets.Length == 0)
        {
            problem = $"{path} holds no secret";
            return null;
        }
        for (var line = 0; line < secrets.Length; line++)
        {
            if (secrets[line].Length < MinLength)
            {
                problem = $"a secret in {path} is only {secrets[line].Length} characters long; use at least {MinLength} random characters, for example the output of `head -c 32 /dev/urandom | base64`";
                return null;
            }
        }
        problem = "";
        return new Loaded(stamp, secrets);
    }
}
