using System.Text.Json;
using GitSync.Git;
using GitSync.Logging;

namespace GitSync.Cli;

/// <summary>What <c>--ref-semver</c> matches on the remote right now, or why that is not known.</summary>
internal sealed record ReleaseListing(IReadOnlyList<ReleaseTag> Matching, int SemverTags, string? Error);

/// <summary>
/// <c>--check</c> with <c>--ref-semver</c>: one <c>git ls-remote --tags</c>, bounded in time, to
/// show the range and the tags it matches now. Only credentials in the URL are used (the
/// credential set-up belongs to a running git-sync); an unreachable remote is reported, not an
/// error of the configuration.
/// </summary>
internal static class ReleaseCheck
{
    /// <summary>At most this many matching tags are printed, newest first.</summary>
    private const int Shown = 10;

    public static async Task<ReleaseListing> ProbeAsync(GitSyncOptions options, CancellationToken ct)
    {
        var range = options.Sync.RefSemver!;
        var log = new Log(0, Stream.Null);
        log.Redactor.AddSecret(options.Auth.Password);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            // Never wait for a human at an SSH prompt either.
            ["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes",
        };
        var git = new GitCli(options.Git.Path, environment, log);
        try
        {
            var listing = await git.RunAsync(Path.GetTempPath(), ["ls-remote", "--tags", "--", options.Sync.Repo], ct).ConfigureAwait(false);
            var tags = ReleaseTags.Parse(listing.Stdout);
            return new ReleaseListing(ReleaseTags.Matching(tags, range), tags.Count, null);
        }
        catch (GitException e)
        {
            return new ReleaseListing([], 0, "can't list the remote's tags: " + log.Redactor.Redact(e.Message));
        }
        catch (OperationCanceledException)
        {
            return new ReleaseListing([], 0, "can't list the remote's tags: no answer in time");
        }
    }

    public static void Write(Utf8JsonWriter w, SemverRange range, ReleaseListing? listing)
    {
        w.WriteStartObject("refSemver");
        w.WriteString("range", range.Text);
        w.WriteString("normalized", range.Normalized);
        if (listing is not null)
        {
            w.WriteBoolean("remoteListed", listing.Error is null);
            w.WriteString("error", listing.Error);
            w.WriteNumber("semverTags", listing.SemverTags);
            w.WriteNumber("matchingTags", listing.Matching.Count);
            if (listing.Matching.Count > 0)
            {
                var newest = listing.Matching[0];
                w.WriteStartObject("selected");
                w.WriteString("tag", newest.Name);
                w.WriteString("version", newest.VersionText);
                w.WriteString("commit", newest.Commit);
                w.WriteBoolean("annotated", newest.Object != newest.Commit);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("selected");
            }
            w.WriteStartArray("newest");
            foreach (var tag in listing.Matching.Take(Shown))
            {
                w.WriteStringValue(tag.Name);
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}
