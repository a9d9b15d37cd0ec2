using GitSync.Git;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// What the copy-mode directory holds, kept beside it (outside the published tree) as
/// <c>.&lt;link&gt;.git-sync-publish</c> and replaced atomically. Either <b>published H</b>: the
/// directory equals commit H exactly; or <b>updating</b> from a base revision (or from nothing
/// known) towards one or more targets: every path outside the change sets base→target still
/// holds the base's version, the paths inside them hold one of those revisions' versions. It is
/// written before an update touches the directory, so a killed update is finished (or redone)
/// by the next one, and the marker is written only once it says published.
/// </summary>
/// <param name="Base">The revision the directory fully held before the update(s) started; null when unknown.</param>
/// <param name="Targets">Revisions an update was started towards, oldest first; empty when the directory holds <paramref name="Base"/> exactly.</param>
internal sealed record CopyJournal(string? Base, IReadOnlyList<string> Targets)
{
    private const string Header = "git-sync copy publish journal v1";

    /// <summary>More interrupted updates than this in a row: stop tracking change sets and walk the whole tree.</summary>
    public const int MaxTargets = 8;

    /// <summary>The directory holds exactly <see cref="Base"/>.</summary>
    public bool Published => Base is not null && Targets.Count == 0;

    /// <summary>Ours, but what the directory holds is not known: the next update walks the whole tree.</summary>
    public static CopyJournal Unknown(string target) => new(null, [target]);

    public static CopyJournal PublishedAt(string hash) => new(hash, []);

    /// <summary>Where the journal of the directory at <paramref name="link"/> lives.</summary>
    public static string PathFor(string link) =>
        Path.Combine(Path.GetDirectoryName(link)!, "." + Path.GetFileName(link) + ".git-sync-publish");

    /// <summary>
    /// The journal at <paramref name="path"/>; null when there is none. A file that can't be
    /// parsed (the directory beside it is shared with consumers) counts as ours with an unknown
    /// content, so the next update walks everything.
    /// </summary>
    public static CopyJournal? Read(string path)
    {
        string text;
        try
        {
            if (FileStatus.Of(path).Kind != EntryKind.File)
            {
                return null;
            }
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != Header)
        {
            return new CopyJournal(null, ["unknown"]);
        }
        var first = lines[1].Split(' ');
        if (first is ["published", var hash] && GitRef.IsFullHash(hash) && lines.Length == 2)
        {
            return PublishedAt(hash);
        }
        if (first is ["updating", var from] && (from == "-" || GitRef.IsFullHash(from)))
        {
            var targets = lines.Skip(2).ToList();
            if (targets.Count > 0 && targets.All(GitRef.IsFullHash))
            {
                return new CopyJournal(from == "-" ? null : from, targets);
            }
        }
        return new CopyJournal(null, ["unknown"]);
    }

    /// <summary>Replaces the journal atomically (temp file and rename(2), never through a planted symlink).</summary>
    public void Write(string path)
    {
        var text = Header + "\n" + (Published
            ? $"published {Base}\n"
            : $"updating {Base ?? "-"}\n" + string.Concat(Targets.Select(t => t + "\n")));
        Filesystem.WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(text));
    }
}
