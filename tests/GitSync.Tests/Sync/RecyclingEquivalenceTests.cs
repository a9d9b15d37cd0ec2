using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Sync;

/// <summary>
/// A recycled tree is indistinguishable from a fresh checkout: a few hundred random updates
/// (adds, deletes, renames, mode changes, symlinks, a file replaced by a directory and back,
/// going back to older commits), with hooks and consumers writing into each served tree
/// (untracked and ignored files, edits, deletions, nested repos), each recycled tree compared
/// path by path with a fresh worktree of the same commit.
/// </summary>
public sealed class RecyclingEquivalenceTests(ITestOutputHelper output) : IDisposable
{
    private const int Updates = 250;
    private readonly TempDir _source = TempDir.Create("recycle-src");
    private readonly Random _random = new(Seed);
    private static readonly int Seed = Environment.TickCount;

    private string Src => _source.Combine("src");

    [Fact]
    public async Task Every_recycled_tree_matches_a_fresh_checkout_of_its_commit()
    {
        output.WriteLine($"seed {Seed}");
        // The whole history is made up front by one git fast-import: processes are what a
        // loaded machine makes slow.
        List<Dictionary<string, Entry>> states = [];
        var state = new Dictionary<string, Entry>(StringComparer.Ordinal) { [".gitignore"] = new(Kind.File, "*.log\nbuild/\n") };
        for (int i = 0; i < 20; i++)
        {
            Put(state, RandomPath(), new Entry(Kind.File, Content()));
        }
        states.Add(new(state, StringComparer.Ordinal));
        for (int update = 1; update <= Updates; update++)
        {
            int changes = 1 + _random.Next(4);
            for (int c = 0; c < changes; c++)
            {
                Change(state);
            }
            states.Add(new(state, StringComparer.Ordinal));
        }
        List<string> commits = Import(states);

        using var recycled = new RecyclingRig(Src, name: "recycled");
        using var fresh = new RecyclingRig(Src, RecyclingRig.Fresh, "fresh");
        await recycled.PublishAsync(commits[0]);
        int servedIndex = 0;
        int spareIndex = -1;
        int builds = 0;
        for (int update = 1; update <= Updates; update++)
        {
            // Hooks and consumers write into what is served (every other update or so); it is
            // recycled at the next update. Untouched, it is proven clean and only its changes
            // are written.
            if (_random.Next(2) == 0)
            {
                Scribble(recycled.Served!, states[servedIndex]);
            }
            // Now and then a writer that kept its way into a retired tree writes into the spare
            // after it was proven clean: the watch must notice.
            if (spareIndex >= 0 && _random.Next(6) == 0 && Directory.Exists(recycled.SparePath))
            {
                Scribble(recycled.SparePath, states[spareIndex], atLeastOne: true);
            }
            // Now and then the ref moves back to an older revision.
            int index = update % 17 == 0 ? _random.Next(update - 1) : update;
            if (index == servedIndex || commits[index] == commits[servedIndex])
            {
                continue;
            }
            string hash = commits[index];
            string tree = await recycled.PublishAsync(hash);
            spareIndex = servedIndex;
            servedIndex = index;
            builds++;
            string reference = await fresh.PublishAsync(hash);
            RecyclingRig.AssertSame(reference, tree, $"update {update} to {hash} (seed {Seed})");
            Assert.True(recycled.Worktrees.IsSound(tree, hash), $"update {update}: HEAD of the recycled tree is not {hash}");
            Assert.Equal("gitdir: ../../.git/worktrees/" + hash, File.ReadAllText(Path.Combine(tree, ".git")).Trim());
            Assert.Equal(Path.Combine(tree, ".git"), File.ReadAllText(Path.Combine(recycled.Root, ".git", "worktrees", hash, "gitdir")).Trim());
            if (update % 25 == 0)
            {
                // The index agrees with the files too (a later recycle relies on its stat data).
                string status = LocalGit.Output(tree, "status", "--porcelain", "--ignored", "--untracked-files=all");
                Assert.True(status.Length == 0, $"update {update}: git status in the recycled tree: {status}");
            }
        }

        int recycles = recycled.Count("recycling the spare worktree");
        int byChanges = recycled.Recycles("changes only");
        output.WriteLine($"{builds} builds: {recycles} recycled ({byChanges} by their changes only), {recycled.Count("building a fresh worktree")} fresh");
        // Both ways of updating a spare were compared with fresh checkouts, many times.
        Assert.True(byChanges >= builds / 5, $"only {byChanges} of {builds} builds updated a proven spare by its changes");
        Assert.True(recycled.Recycles("full") >= builds / 5, $"only {recycled.Recycles("full")} of {builds} builds fully updated a spare");
        // Only the very first build has no spare.
        Assert.True(recycles >= builds - 1, $"only {recycles} of {builds} builds recycled\n{recycled.LogText}");
        Assert.Equal(0, fresh.Count("recycling the spare worktree"));
        // The worktree list holds the served tree and the spare, nothing else.
        string list = LocalGit.Output(recycled.Root, "worktree", "list", "--porcelain");
        Assert.Equal(3, list.Split('\n').Count(l => l.StartsWith("worktree ", StringComparison.Ordinal)));
    }

    private enum Kind
    {
        File,
        Executable,
        Symlink,
    }

    private sealed record Entry(Kind Kind, string Data);

    /// <summary>Writes every state as one commit with git fast-import; returns the commits' hashes.</summary>
    private List<string> Import(List<Dictionary<string, Entry>> states)
    {
        Directory.CreateDirectory(Src);
        LocalGit.Output(Src, "init", "--quiet", "-b", "main");
        var stream = new System.Text.StringBuilder();
        void Data(string text)
        {
            stream.Append("data ").Append(System.Text.Encoding.UTF8.GetByteCount(text)).Append('\n').Append(text).Append('\n');
        }
        for (int n = 0; n < states.Count; n++)
        {
            stream.Append("commit refs/heads/main\nmark :").Append(n + 1).Append('\n');
            stream.Append("committer T <t@example.invalid> ").Append(1700000000 + n).Append(" +0000\n");
            Data("state " + n);
            if (n > 0)
            {
                stream.Append("from :").Append(n).Append('\n');
            }
            stream.Append("deleteall\n");
            foreach (var (path, entry) in states[n])
            {
                string mode = entry.Kind switch { Kind.Executable => "100755", Kind.Symlink => "120000", _ => "100644" };
                stream.Append("M ").Append(mode).Append(" inline ").Append(path).Append('\n');
                Data(entry.Data);
            }
        }
        string marks = _source.Combine("marks");
        var start = new System.Diagnostics.ProcessStartInfo(LocalGit.Executable)
        {
            WorkingDirectory = Src,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["fast-import", "--quiet", "--export-marks=" + marks])
        {
            start.ArgumentList.Add(arg);
        }
        using (var import = System.Diagnostics.Process.Start(start)!)
        {
            import.StandardInput.Write(stream.ToString());
            import.StandardInput.Close();
            string errors = import.StandardError.ReadToEnd();
            import.WaitForExit();
            Assert.True(import.ExitCode == 0, "git fast-import failed: " + errors);
        }
        var hashes = File.ReadAllLines(marks).Select(l => l.Split(' ')).ToDictionary(p => int.Parse(p[0][1..], System.Globalization.CultureInfo.InvariantCulture), p => p[1]);
        return [.. Enumerable.Range(1, states.Count).Select(n => hashes[n])];
    }

    private static readonly string[] Dirs = ["", "a", "a/b", "c", "c/d/e", "f"];

    private string RandomPath() => (Dirs[_random.Next(Dirs.Length)] is { Length: > 0 } dir ? dir + "/" : "") + "n" + _random.Next(40) + (_random.Next(8) == 0 ? ".log" : "");

    private string Content() => string.Concat(Enumerable.Repeat("x", _random.Next(1, 30))) + _random.Next() + "\n";

    /// <summary>Sets a path, dropping whatever is in its way: files at its parents, anything below it.</summary>
    private static void Put(Dictionary<string, Entry> state, string path, Entry entry)
    {
        Drop(state, path);
        for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            state.Remove(path[..slash]);
        }
        state[path] = entry;
    }

    private static void Drop(Dictionary<string, Entry> state, string path)
    {
        state.Remove(path);
        foreach (string below in state.Keys.Where(k => k.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
        {
            state.Remove(below);
        }
    }

    private void Change(Dictionary<string, Entry> state)
    {
        List<string> paths = [.. state.Keys.Where(k => k != ".gitignore")];
        string? any = paths.Count == 0 ? null : paths[_random.Next(paths.Count)];
        switch (_random.Next(9))
        {
            case 2 when any is not null:
                Put(state, any, state[any] with { Data = Content() });
                break;
            case 3 when any is not null:
                Drop(state, any);
                break;
            case 4 when any is not null:
                // A rename: the same content under another name.
                Entry moved = state[any];
                Drop(state, any);
                Put(state, RandomPath(), moved);
                break;
            case 5 when any is not null && state[any].Kind != Kind.Symlink:
                Put(state, any, state[any] with { Kind = state[any].Kind == Kind.File ? Kind.Executable : Kind.File });
                break;
            case 6:
                string link = RandomPath();
                string target = any is not null && _random.Next(2) == 0 ? Path.GetRelativePath(Path.GetDirectoryName("/" + link)!, "/" + any) : "dangling-" + _random.Next(5);
                Put(state, link, new Entry(Kind.Symlink, target));
                break;
            case 7 when any is not null:
                // A file becomes a directory.
                Drop(state, any);
                Put(state, any + "/inside", new Entry(Kind.File, Content()));
                break;
            case 8:
                // A directory becomes a file.
                Put(state, Dirs[1 + _random.Next(Dirs.Length - 1)], new Entry(Kind.File, Content()));
                break;
            default:
                Put(state, RandomPath(), new Entry(Kind.File, Content()));
                break;
        }
    }

    /// <summary>What hooks and consumers may leave in a served tree.</summary>
    private void Scribble(string tree, Dictionary<string, Entry> state, bool atLeastOne = false)
    {
        int writes = _random.Next(atLeastOne ? 1 : 0, 4);
        string[] tracked = [.. state.Keys];
        for (int w = 0; w < writes; w++)
        {
            string? any = tracked.Length == 0 ? null : Path.Combine(tree, tracked[_random.Next(tracked.Length)]);
            bool isFile = any is not null && File.Exists(any) && new FileInfo(any).LinkTarget is null;
            try
            {
                switch (_random.Next(8))
                {
                    case 0:
                        File.WriteAllText(Path.Combine(tree, "hook-added-" + _random.Next()), "hook");
                        break;
                    case 1:
                        Directory.CreateDirectory(Path.Combine(tree, "build", "out"));
                        File.WriteAllText(Path.Combine(tree, "build", "out", "ignored.bin"), "ignored");
                        File.WriteAllText(Path.Combine(tree, "consumer.log"), "ignored");
                        break;
                    case 2 when isFile:
                        // Same size, different bytes: only stat data (ctime) tells.
                        string text = File.ReadAllText(any!);
                        File.WriteAllText(any!, new string('Z', text.Length));
                        break;
                    case 3 when any is not null:
                        File.Delete(any);
                        break;
                    case 4 when isFile:
                        File.SetUnixFileMode(any!, File.GetUnixFileMode(any!) ^ UnixFileMode.UserExecute);
                        break;
                    case 5:
                        Directory.CreateDirectory(Path.Combine(tree, "nested", ".git"));
                        File.WriteAllText(Path.Combine(tree, "nested", ".git", "HEAD"), "ref: refs/heads/main\n");
                        File.WriteAllText(Path.Combine(tree, "nested", "file"), "nested");
                        break;
                    case 6 when isFile:
                        File.Delete(any!);
                        Directory.CreateDirectory(any!);
                        File.WriteAllText(Path.Combine(any!, "planted"), "x");
                        break;
                    case 7:
                        string dir = Path.Combine(tree, Dirs[_random.Next(Dirs.Length)]);
                        if (Directory.Exists(dir))
                        {
                            File.CreateSymbolicLink(Path.Combine(dir, "planted-link-" + _random.Next()), "/etc");
                        }
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A write a consumer could not make here (the path changed under the choice): skip it.
            }
        }
    }

    public void Dispose() => _source.Dispose();
}
