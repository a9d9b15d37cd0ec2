using GitSync.Git;

namespace GitSync.Sync;

/// <summary>The --sparse-checkout-file could not be read when a tree was built.</summary>
internal sealed class SparseCheckoutFileException(string message, Exception inner) : IOException(message, inner), IClassifiedFailure
{
    public FailureClass FailureClass => FailureClass.SparseCheckoutUnreadable;

    public string? FailureHint => null;
}
