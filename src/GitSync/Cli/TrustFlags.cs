using GitSync.Git;
using GitSync.Platform;
using GitSync.Trust;

namespace GitSync.Cli;

/// <summary>Flags of signature verification, validated into <see cref="SignatureOptions"/>.</summary>
internal static class TrustFlags
{
    /// <param name="followsReleases">--ref-semver: the tags verified are its choices, not --ref.</param>
    public static SignatureOptions Read(FlagValues f, GitRef gitRef, bool followsReleases = false)
    {
        var mode = f.Str(FlagTable.VerifySignatures) switch
        {
            "none" or "" => SignatureMode.None,
            "commit" => SignatureMode.Commit,
            "tag" => SignatureMode.Tag,
            var other => throw new ConfigException($"invalid flag: --verify-signatures must be one of none, commit or tag (got \"{other}\")"),
        };
        var keyring = TrustFile(f, FlagTable.TrustedGpgKeyringFile);
        var signers = TrustFile(f, FlagTable.TrustedSshAllowedSignersFile);
        if (mode == SignatureMode.None)
        {
            return new(mode, null, null);
        }
        if (keyring is null && signers is null)
        {
            throw new ConfigException("required flag: --verify-signatures needs --trusted-gpg-keyring-file or --trusted-ssh-allowed-signers-file (or both)");
        }
        if (mode == SignatureMode.Tag && !followsReleases && !gitRef.CanNameTag)
        {
            throw new ConfigException($"invalid flag: --verify-signatures=tag needs --ref to name an annotated tag, not a branch, HEAD or a hash (got \"{gitRef}\"); use --verify-signatures=commit");
        }
        return new(mode, keyring, signers);
    }

    /// <summary>A trust file must exist and be readable at start-up: verifying against nothing would refuse every revision.</summary>
    private static string? TrustFile(FlagValues f, Flag flag)
    {
        var value = f.Str(flag);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        var path = Path.GetFullPath(value);
        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"invalid flag: --{flag.Name}: can't read {path}: {TrustFileError.Describe(e)}");
        }
        return path;
    }
}
