namespace GitSync.Platform;

/// <summary>
/// A configuration mistake: a setting git-sync refuses. The message names the flag (or file) at
/// fault and is shown as one line; every layer that validates its own options throws it.
/// </summary>
internal sealed class ConfigException(string message) : Exception(message);
