using System.Diagnostics;
using GitSync.Platform;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Strict;

/// <summary>
/// git-sync's private directory: where it goes when $TMPDIR can't be written, and which
/// leftovers of earlier processes a start-up removes — only ours, only dead ones.
/// </summary>
public sealed class PrivateDirectoryTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Start_up_removes_directories_of_killed_processes_and_nothing_else()
    {
        TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string tmp = NewDir("tmp").Path;

        // A real leftover: a git-sync killed with SIGKILL cannot remove its directory.
        GitSyncProcess killed = Start(Args(repo, NewDir().Path, "--link=link", "--period=1h"), new Dictionary<string, string?> { ["TMPDIR"] = tmp });
        await Poll.UntilAsync(() => Directory.EnumerateDirectories(tmp, "git-sync-*").Any(), "the first git-sync makes its private directory", killed.Diagnostics);
        string leftover = Directory.EnumerateDirectories(tmp, "git-sync-*").Single();
        killed.Kill();
        Assert.True(Directory.Exists(leftover));

        string unlockedButYoung = Fake(tmp, 999_999_991, withLock: true);
        string legacyDead = Fake(tmp, 999_999_992, withLock: false);
        string legacyAlive = Fake(tmp, Environment.ProcessId, withLock: false);
        string otherUser = Fake(tmp, 999_999_993, withLock: true);
        Chown(otherUser, "12345:12345");
        string held = Fake(tmp, 999_999_994, withLock: true);
        HoldLock(Path.Combine(held, "lock"));
        string target = NewDir("target").Path;
        string symlink = Path.Combine(tmp, "git-sync-999999995-abcdef01");
        Directory.CreateSymbolicLink(symlink, target);
        string notOurs = Path.Combine(tmp, "git-sync-cache");
        Directory.CreateDirectory(notOurs);
        foreach (string dir in new[] { leftover, legacyDead, legacyAlive, otherUser, held, notOurs })
        {
            Age(dir);
        }

        string root = NewDir().Path;
        GitSyncProcess next = await RunAsync(Args(repo, root, "--link=link", "--one-time", "-v=1"), new Dictionary<string, string?> { ["TMPDIR"] = tmp });
        Assert.True(next.ExitCode == 0, next.Diagnostics());
        Assert.Equal(head, Layout.PublishedHash(Path.Combine(root, "link")));

        Assert.False(Directory.Exists(leftover), "the killed process's directory is removed");
        Assert.False(Directory.Exists(legacyDead), "a lock-less directory of a pid that does not exist is removed");
        Assert.True(Directory.Exists(unlockedButYoung), "a directory made less than a minute ago is kept (its owner may be about to lock it)");
        Assert.True(Directory.Exists(legacyAlive), "a lock-less directory of a live pid is kept");
        Assert.True(Directory.Exists(otherUser), "another user's directory is kept");
        Assert.True(Directory.Exists(held), "a directory whose lock is held is kept");
        Assert.True(Directory.Exists(symlink) && Directory.Exists(target), "a symlink is neither followed nor removed");
        Assert.True(Directory.Exists(notOurs), "a name that is not ours is kept");
        Assert.Contains(next.StderrLines, l => l.Contains("removed private directories of dead git-sync processes", StringComparison.Ordinal)
            && l.Contains("\"count\":2", StringComparison.Ordinal));
        // The one-time run removed its own directory at exit: only the six kept entries remain.
        Assert.Equal(6, Directory.EnumerateFileSystemEntries(tmp).Count());
    }

    [Fact]
    public async Task Private_directory_goes_to_dev_shm_when_tmpdir_is_read_only_and_is_removed_at_exit()
    {
        TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        StrictSandbox.Readable(repo.Path);
        string root = StrictSandbox.Root(NewDir("strict"));

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--one-time", "-v=1"), StrictSandbox.Environment(), StrictSandbox.Launcher(root));
        Assert.Equal(0, await p.WaitForExitAsync(ExitDeadline));
        Assert.Equal(head, Layout.PublishedHash(Path.Combine(root, "link")));
        string line = Assert.Single(p.StderrLines, l => l.Contains("\"msg\":\"private directory\"", StringComparison.Ordinal));
        Assert.Contains("\"placement\":\"SharedMemory\"", line, StringComparison.Ordinal);
        Assert.Contains($"\"path\":\"/dev/shm/git-sync-{p.Pid}-", line, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories("/dev/shm", $"git-sync-{p.Pid}-*"));
        Assert.False(Directory.Exists(Path.Combine(root, PrivateDirectory.RootFallbackName)), "nothing of git-sync's own under the root");
    }

    [Theory]
    [InlineData("git-sync-12-0a1b2c3d", 12)]
    [InlineData("git-sync-4194304-ffffffff", 4194304)]
    [InlineData("git-sync-12-0a1b2c3d4e5f60718293a4b5c6", 12)]
    [InlineData("git-sync-12-", null)]
    [InlineData("git-sync--0a1b", null)]
    [InlineData("git-sync-0-0a1b", null)]
    [InlineData("git-sync-12-xyz", null)]
    [InlineData("git-sync-cache", null)]
    [InlineData("other-12-0a1b", null)]
    public void Only_our_name_pattern_is_recognised(string name, int? pid) => Assert.Equal(pid, PrivateDirectory.ParsePid(name));

    private static string Fake(string parent, int pid, bool withLock)
    {
        string dir = Path.Combine(parent, $"git-sync-{pid}-{Random.Shared.Next():x8}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "gitconfig"), "");
        if (withLock)
        {
            File.WriteAllText(Path.Combine(dir, "lock"), "");
        }

        return dir;
    }

    /// <summary>Backdates a directory past the one-minute grace for freshly made ones.</summary>
    private static void Age(string dir) => Directory.SetLastWriteTimeUtc(dir, DateTime.UtcNow - TimeSpan.FromMinutes(5));

    private static void Chown(string path, string owner)
    {
        using Process p = Process.Start("chown", ["-R", owner, path])!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>A live process holding an exclusive flock on <paramref name="file"/> (util-linux flock), like a running git-sync.</summary>
    private void HoldLock(string file)
    {
        var info = new ProcessStartInfo("flock", ["--exclusive", "--nonblock", file, "sleep", "120"]) { UseShellExecute = false };
        Process holder = Process.Start(info)!;
        Own(new Killer(holder));
        // flock takes the lock before it runs sleep; wait until the lock is visibly held.
        Poll.UntilAsync(() => File.ReadAllText("/proc/locks").Contains($" {holder.Id} ", StringComparison.Ordinal) || holder.HasExited,
            TimeSpan.FromSeconds(10), "flock holds the lock", () => "").GetAwaiter().GetResult();
        Assert.False(holder.HasExited, "flock could not take the lock");
    }

    private sealed class Killer(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }

            process.Dispose();
        }
    }
}
