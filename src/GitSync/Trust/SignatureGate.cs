using System.Security.Cryptography;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Platform;

namespace GitSync.Trust;

/// <summary>
/// The signature gate (<c>--verify-signatures</c>): before the link moves, the commit (or the
/// annotated tag <c>--ref</c> names) must carry a valid signature by a key from the trust files.
/// Verification is git's own (<c>git verify-commit</c>/<c>verify-tag</c>, which run gpg or
/// ssh-keygen) against a GnuPG home private to this process, never the user's. The trust files
/// are read before each verification; a changed keyring is imported into a fresh GnuPG home, so
/// keys rotate without a restart.
/// </summary>
internal sealed class SignatureGate : IDisposable
{
    private const string SshBegin = "-----BEGIN SSH SIGNATURE-----";
    private const string PgpBegin = "-----BEGIN PGP SIGNATURE-----";

    private readonly SignatureOptions _options;
    private readonly string _root;
    private readonly GitRef _ref;
    private readonly string _gitPath;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _privateDir;
    private readonly Log _log;
    private readonly SyncMetrics? _metrics;
    private byte[]? _keyringDigest;
    private byte[]? _signersDigest;
    private string? _gnupgHome;
    private GitCli? _git;
    private int _generation;

    /// <param name="root">The repository in --root, where git verifies.</param>
    /// <param name="gitRef">--ref: in tag mode, the tag whose signature counts.</param>
    /// <param name="gitPath">The git executable.</param>
    /// <param name="environment">The environment every git child gets (the private git config).</param>
    /// <param name="privateDir">git-sync's private 0700 directory: the GnuPG homes go there.</param>
    public SignatureGate(SignatureOptions options, string root, GitRef gitRef, string gitPath, IReadOnlyDictionary<string, string> environment, string privateDir, Log log, SyncMetrics? metrics)
    {
        _root = root;
        _ref = gitRef;
        _gitPath = gitPath;
        _options = options;
        _environment = environment;
        _privateDir = privateDir;
        _log = log;
        _metrics = metrics;
    }

    public SignatureMode Mode => _options.Mode;

    /// <summary>Reads the trust files once at start-up, so a missing or unusable one stops git-sync at once.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        try
        {
            await RefreshAsync(ct).ConfigureAwait(false);
        }
        catch (TrustFileException e)
        {
            throw new ConfigException(e.Message);
        }
    }

    /// <summary>Throws <see cref="SignatureRejectedException"/> unless <paramref name="hash"/> may be published.</summary>
    /// <param name="tag">In tag mode, the tag just fetched when it is not --ref (--ref-semver's choice).</param>
    public async Task VerifyAsync(string hash, CancellationToken ct, GitRef? tag = null)
    {
        var (what, subject, result, reason) = await CheckAsync(hash, tag ?? _ref, tag is null ? "--ref" : "release tag", ct).ConfigureAwait(false);
        _metrics?.SignatureVerification(result.ToString().ToLowerInvariant());
        if (result != VerificationResult.Valid)
        {
            throw new SignatureRejectedException(what, subject, result, reason);
        }
        _log.Info(1, "signature verified", ("what", what), ("hash", subject), ("signer", reason));
    }

    private async Task<(string What, string Subject, VerificationResult Result, string Reason)> CheckAsync(string hash, GitRef tagRef, string tagLabel, CancellationToken ct)
    {
        try
        {
            await RefreshAsync(ct).ConfigureAwait(false);
        }
        catch (TrustFileException e)
        {
            return ("commit", hash, VerificationResult.Error, e.Message);
        }
        var git = _git!;
        if (_options.Mode == SignatureMode.Commit)
        {
            // The commit object is all verify-commit needs, and a shallow or blob-less fetch has it.
            var commit = await git.RunAsync(_root, ["cat-file", "commit", hash], ct).ConfigureAwait(false);
            var kind = CommitSignatureKind(commit.Stdout);
            var (result, reason) = await RunVerifyAsync(git, kind, ["verify-commit", "--raw", hash], ct).ConfigureAwait(false);
            return ("commit", hash, result, reason);
        }

        // Tag mode: FETCH_HEAD (not peeled) is the object the remote's ref names; only an
        // annotated tag object carries a signature of its own.
        var fetched = (await git.RunAsync(_root, ["rev-parse", "--verify", "FETCH_HEAD"], ct).ConfigureAwait(false)).Stdout.Trim();
        var type = (await git.RunAsync(_root, ["cat-file", "-t", fetched], ct).ConfigureAwait(false)).Stdout.Trim();
        if (type != "tag")
        {
            return ("tag", tagRef.Text, VerificationResult.Unsigned,
                $"{tagLabel} {tagRef} is not an annotated tag (it names a {type}); --verify-signatures=tag needs a signed annotated tag");
        }
        var peeled = (await git.RunAsync(_root, ["rev-parse", "--verify", fetched + "^{commit}"], ct).ConfigureAwait(false)).Stdout.Trim();
        if (peeled != hash)
        {
            return ("tag", fetched, VerificationResult.Error, $"tag {tagRef} points at {peeled}, not at the commit to publish ({hash})");
        }
        var tag = await git.RunAsync(_root, ["cat-file", "tag", fetched], ct).ConfigureAwait(false);
        var tagKind = tag.Stdout.Contains(SshBegin, StringComparison.Ordinal) ? SignatureKind.Ssh
            : tag.Stdout.Contains(PgpBegin, StringComparison.Ordinal) ? SignatureKind.OpenPgp
            : tag.Stdout.Contains("-----BEGIN ", StringComparison.Ordinal) ? SignatureKind.Other
            : SignatureKind.None;
        var (tagResult, tagReason) = await RunVerifyAsync(git, tagKind, ["verify-tag", "--raw", fetched], ct).ConfigureAwait(false);
        return ($"tag {tagRef}", fetched, tagResult, tagReason);
    }

    private async Task<(VerificationResult, string)> RunVerifyAsync(GitCli git, SignatureKind kind, string[] verify, CancellationToken ct)
    {
        switch (kind)
        {
            case SignatureKind.None:
                return (VerificationResult.Unsigned, "no signature");
            case SignatureKind.Other:
                return (VerificationResult.Untrusted, "signed with neither an OpenPGP nor an SSH key (x509 is not supported)");
            case SignatureKind.OpenPgp when _options.GpgKeyringFile is null:
                return (VerificationResult.Untrusted, "signed with an OpenPGP key, but no --trusted-gpg-keyring-file is set");
            case SignatureKind.Ssh when _options.SshAllowedSignersFile is null:
                return (VerificationResult.Untrusted, "signed with an SSH key, but no --trusted-ssh-allowed-signers-file is set");
        }
        // Every verification setting is given here, so nothing in a system config can weaken it.
        string[] args =
        [
            "-c", "gpg.program=gpg",
            "-c", "gpg.ssh.program=ssh-keygen",
            "-c", "gpg.ssh.allowedSignersFile=" + (_options.SshAllowedSignersFile ?? "/dev/null"),
            "-c", "gpg.ssh.revocationFile=",
            "-c", "gpg.minTrustLevel=undefined",
            .. verify,
        ];
        var run = await git.RunAsync(_root, args, ct, check: false).ConfigureAwait(false);
        var output = run.Stdout + run.Stderr;
        return kind == SignatureKind.Ssh ? SignatureOutput.Ssh(run.ExitCode, output) : SignatureOutput.Gpg(run.ExitCode, output);
    }

    /// <summary>Which signature a commit object's header carries (<c>gpgsig</c> / <c>gpgsig-sha256</c>).</summary>
    internal static SignatureKind CommitSignatureKind(string commitObject)
    {
        var inSignature = false;
        foreach (var line in commitObject.Split('\n'))
        {
            if (line.Length == 0)
            {
                break;
            }
            if (line.StartsWith("gpgsig ", StringComparison.Ordinal) || line.StartsWith("gpgsig-sha256 ", StringComparison.Ordinal))
            {
                inSignature = true;
            }
            else if (!line.StartsWith(' '))
            {
                inSignature = false;
            }
            if (inSignature)
            {
                if (line.Contains(SshBegin, StringComparison.Ordinal))
                {
                    return SignatureKind.Ssh;
                }
                if (line.Contains(PgpBegin, StringComparison.Ordinal))
                {
                    return SignatureKind.OpenPgp;
                }
                if (line.Contains("-----BEGIN ", StringComparison.Ordinal))
                {
                    return SignatureKind.Other;
                }
            }
        }
        return SignatureKind.None;
    }

    /// <summary>Re-reads the trust files; imports a new or changed keyring into a fresh GnuPG home.</summary>
    private async Task RefreshAsync(CancellationToken ct)
    {
        if (_options.SshAllowedSignersFile is { } signers)
        {
            // git and ssh-keygen read the file itself on every verification; reading it here
            // makes a missing file a clear error and logs a rotation.
            var digest = Digest(signers, "--trusted-ssh-allowed-signers-file");
            if (_signersDigest is not null && !digest.AsSpan().SequenceEqual(_signersDigest))
            {
                _log.Info(0, "trust file changed", ("file", signers));
            }
            _signersDigest = digest;
        }

        byte[]? keyringDigest = null;
        if (_options.GpgKeyringFile is { } keyring)
        {
            keyringDigest = Digest(keyring, "--trusted-gpg-keyring-file");
            if (_gnupgHome is not null && _keyringDigest is not null && keyringDigest.AsSpan().SequenceEqual(_keyringDigest))
            {
                return;
            }
        }
        else if (_gnupgHome is not null)
        {
            return;
        }

        // A new home each time: keys removed from the file must be gone, not merely outlived.
        _generation++;
        var home = Path.Combine(_privateDir, $"gnupg-{_generation}");
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
        Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string>(_environment, StringComparer.Ordinal) { ["GNUPGHOME"] = home };
        if (_options.GpgKeyringFile is { } file)
        {
            ChildResult import;
            try
            {
                // gpg, not git: the only way to load keys into the home. Public keys need no agent.
                import = await ChildProcess.RunAsync("gpg", ["--batch", "--no-tty", "--no-autostart", "--import", file], null, env, null, ct).ConfigureAwait(false);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                TryDelete(home);
                throw new TrustFileException($"can't run gpg to import --trusted-gpg-keyring-file {file}: {e.Message}");
            }
            if (import.ExitCode != 0)
            {
                TryDelete(home);
                throw new TrustFileException($"can't import --trusted-gpg-keyring-file {file} (gpg exit {import.ExitCode}): {Tail(import.Stderr)}");
            }
            if (_gnupgHome is not null)
            {
                _log.Info(0, "trust file changed", ("file", file));
            }
        }
        if (_gnupgHome is not null)
        {
            TryDelete(_gnupgHome);
        }
        _gnupgHome = home;
        _keyringDigest = keyringDigest;
        _git = new GitCli(_gitPath, env, _log);
    }

    private static byte[] Digest(string path, string flag)
    {
        try
        {
            return SHA256.HashData(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrustFileException($"can't read {flag} {path}: {TrustFileError.Describe(e)}");
        }
    }

    private static string Tail(string text)
    {
        var t = text.Trim();
        return t.Length <= 400 ? t : t[^400..];
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover home in the private directory goes when the directory does, at exit.
        }
    }

    public void Dispose()
    {
        if (_gnupgHome is not null)
        {
            TryDelete(_gnupgHome);
        }
    }

    private sealed class TrustFileException(string message) : Exception(message);
}

/// <summary>The kind of signature an object carries.</summary>
internal enum SignatureKind
{
    None,
    OpenPgp,
    Ssh,
    Other,
}

/// <summary>Reads what git verify-commit/verify-tag printed into a result and a short reason.</summary>
internal static class SignatureOutput
{
    /// <summary>gpg's machine-readable status lines (<c>--raw</c>: <c>[GNUPG:] GOODSIG …</c>).</summary>
    public static (VerificationResult, string) Gpg(int exitCode, string output)
    {
        string? Status(string keyword)
        {
            foreach (var line in output.Split('\n'))
            {
                var l = line.Trim();
                if (l.StartsWith("[GNUPG:] " + keyword + " ", StringComparison.Ordinal) || l == "[GNUPG:] " + keyword)
                {
                    return l["[GNUPG:] ".Length..];
                }
            }
            return null;
        }
        if (Status("EXPKEYSIG") is { } expiredKey)
        {
            return (VerificationResult.Expired, "signed by an expired key: " + expiredKey["EXPKEYSIG ".Length..]);
        }
        if (Status("EXPSIG") is { } expiredSig)
        {
            return (VerificationResult.Expired, "the signature has expired: " + expiredSig["EXPSIG ".Length..]);
        }
        if (Status("REVKEYSIG") is { } revoked)
        {
            return (VerificationResult.Untrusted, "signed by a revoked key: " + revoked["REVKEYSIG ".Length..]);
        }
        if (Status("BADSIG") is { } bad)
        {
            return (VerificationResult.Bad, "bad signature (the object does not match it): " + bad["BADSIG ".Length..]);
        }
        if (Status("NO_PUBKEY") is { } unknown)
        {
            return (VerificationResult.Untrusted, "signed by a key that is not in --trusted-gpg-keyring-file: " + unknown["NO_PUBKEY ".Length..]);
        }
        if (exitCode == 0 && Status("GOODSIG") is { } good && Status("VALIDSIG") is { } valid)
        {
            var fields = valid.Split(' ');
            return (VerificationResult.Valid, good["GOODSIG ".Length..] + (fields.Length > 1 ? " (" + fields[1] + ")" : ""));
        }
        if (Status("ERRSIG") is { } err)
        {
            return (VerificationResult.Error, "gpg could not check the signature: " + err["ERRSIG ".Length..]);
        }
        return (VerificationResult.Error, $"verification failed (exit {exitCode}): {FirstLines(output)}");
    }

    /// <summary>ssh-keygen's words, as git relays them.</summary>
    public static (VerificationResult, string) Ssh(int exitCode, string output)
    {
        if (output.Contains("No principal matched", StringComparison.OrdinalIgnoreCase))
        {
            return (VerificationResult.Untrusted, "signed by an SSH key that is not in --trusted-ssh-allowed-signers-file: " + FirstLines(output));
        }
        if (output.Contains("expired", StringComparison.OrdinalIgnoreCase) || output.Contains("not yet valid", StringComparison.OrdinalIgnoreCase))
        {
            return (VerificationResult.Expired, FirstLines(output));
        }
        if (exitCode == 0 && output.Contains("Good \"git\" signature for ", StringComparison.Ordinal))
        {
            return (VerificationResult.Valid, FirstLines(output));
        }
        if (output.Contains("incorrect signature", StringComparison.OrdinalIgnoreCase)
            || output.Contains("Signature verification failed", StringComparison.OrdinalIgnoreCase))
        {
            return (VerificationResult.Bad, "bad signature (the object does not match it): " + FirstLines(output));
        }
        return (VerificationResult.Error, $"verification failed (exit {exitCode}): {FirstLines(output)}");
    }

    private static string FirstLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var joined = string.Join("; ", lines.Take(3));
        return joined.Length <= 300 ? joined : joined[..300];
    }
}
