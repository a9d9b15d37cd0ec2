namespace GitSync.Trust;

/// <summary>What <c>--verify-signatures</c> asks for.</summary>
internal enum SignatureMode
{
    /// <summary>Publish without checking signatures (upstream's behaviour).</summary>
    None,
    /// <summary>The commit to be published must carry a valid signature by a trusted key.</summary>
    Commit,
    /// <summary>The ref must be an annotated tag with a valid signature by a trusted key.</summary>
    Tag,
}

/// <summary>The signature gate's settings: the mode and the trust files (absolute paths; at least one when the mode is not none).</summary>
internal sealed record SignatureOptions(SignatureMode Mode, string? GpgKeyringFile, string? SshAllowedSignersFile);

/// <summary>How one verification ended; the metric label is the lowercase name.</summary>
internal enum VerificationResult
{
    Valid,
    Unsigned,
    Untrusted,
    Bad,
    Expired,
    Error,
}

/// <summary>
/// The commit (or tag) to be published failed signature verification: it is not published and,
/// unlike a pre-publish hook's refusal, the sync counts as failed.
/// </summary>
internal sealed class SignatureRejectedException(string what, string hash, VerificationResult result, string reason)
    : Exception($"signature verification failed for {what} {hash}: {result.ToString().ToLowerInvariant()}: {reason}"), Git.IClassifiedFailure
{
    public Git.FailureClass FailureClass => Git.FailureClass.SignatureRefused;

    public string? FailureHint => $"the {What}'s signature is {Result.ToString().ToLowerInvariant()} and the previous revision is still served: check who signed it against the trusted keys";

    public string Hash { get; } = hash;

    public VerificationResult Result { get; } = result;

    /// <summary>"commit" or "tag".</summary>
    public string What { get; } = what;
}

/// <summary>Why a trust file could not be read, in words that survive NativeAOT's trimmed exception messages.</summary>
internal static class TrustFileError
{
    public static string Describe(Exception e) => Platform.IoErrors.Reason(e);
}
