using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Shapes;

/// <summary>
/// --submodules=recursive|shallow|off with real submodules over file://: nested ones, relative
/// URLs, submodules that appear, move, change URL and disappear upstream between syncs.
/// </summary>
public sealed class SubmoduleTests(ITestOutputHelper output) : EndToEndTest(output)
{
    /// <summary>git 2.39 refuses file:// submodules unless told otherwise (upstream's e2e suite passes the same).</summary>
    internal const string AllowFileProtocol = "--git-config=protocol.file.allow:always";

    /// <summary>repo → sub (submodule.file) → nested-sub (nested.file).</summary>
    private (TestRepo Repo, TestRepo Sub, TestRepo Nested) ThreeLevels()
    {
        TestRepo nested = NewRepo(name: "nested");
        nested.Commit("nested.file", "nested 1");
        TestRepo sub = NewRepo(name: "sub");
        sub.Commit("submodule.file", "sub 1");
        Superproject.Add(sub, nested, "nested-sub");
        TestRepo repo = NewRepo();
        repo.Commit("file", "repo 1");
        Superproject.Add(repo, sub, "sub");
        return (repo, sub, nested);
    }

    [Fact]
    public async Task Checks_out_nested_submodules_recursively_by_default()
    {
        (TestRepo repo, _, _) = ThreeLevels();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", AllowFileProtocol);

        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        Layout.AssertFile(link, "file", "repo 1", p.Diagnostics);
        Layout.AssertFile(link, "sub/submodule.file", "sub 1", p.Diagnostics);
        Layout.AssertFile(link, "sub/nested-sub/nested.file", "nested 1", p.Diagnostics);
    }

    [Fact]
    public async Task Shallow_mode_checks_out_only_the_first_level()
    {
        (TestRepo repo, _, _) = ThreeLevels();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--submodules=shallow", AllowFileProtocol);

        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        Layout.AssertFile(link, "sub/submodule.file", "sub 1", p.Diagnostics);
        Assert.False(File.Exists(Path.Combine(link, "sub/nested-sub/nested.file")), "nested submodule was checked out with --submodules=shallow\n" + p.Diagnostics());
    }

    [Fact]
    public async Task Off_mode_checks_out_no_submodule()
    {
        (TestRepo repo, _, _) = ThreeLevels();
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--submodules=off", AllowFileProtocol);

        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        Layout.AssertFile(link, "file", "repo 1", p.Diagnostics);
        Assert.False(File.Exists(Path.Combine(link, "sub/submodule.file")), "submodule was checked out with --submodules=off\n" + p.Diagnostics());
    }

    [Fact]
    public async Task Rejects_an_invalid_submodules_value_as_a_configuration_error()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--submodules=sometimes"));

        Assert.True(p.ExitCode is 1 or 2, $"expected a configuration error, got exit {p.ExitCode}\n{p.Diagnostics()}");
        Assert.Contains("--submodules", p.Stderr, StringComparison.Ordinal);
        Assert.True(Layout.IsAbsent(Path.Combine(root, "repo")), "a link was published despite the configuration error");
    }

    [Fact]
    public async Task Follows_submodules_moved_added_and_removed_upstream()
    {
        TestRepo nested = NewRepo(name: "nested");
        nested.Commit("nested.file", "nested 1");
        TestRepo sub = NewRepo(name: "sub");
        string sub1 = sub.Commit("submodule.file", "sub 1");
        TestRepo repo = NewRepo();
        repo.Commit("file", "repo 1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", AllowFileProtocol));
        await WaitForHashAsync(p, link, repo.Head);
        Assert.False(Directory.Exists(Path.Combine(link, "sub")), "no submodule yet");

        // Added upstream: its files appear.
        await WaitForHashAsync(p, link, Superproject.Add(repo, sub, "sub"));
        Layout.AssertFile(link, "sub/submodule.file", "sub 1", p.Diagnostics);

        // Moved forward, then back (to a commit that is not the submodule's tip any more).
        sub.Commit("submodule.file", "sub 2");
        await WaitForHashAsync(p, link, Superproject.Move(repo, "sub", sub.Head));
        Layout.AssertFile(link, "sub/submodule.file", "sub 2", p.Diagnostics);
        await WaitForHashAsync(p, link, Superproject.Move(repo, "sub", sub1));
        Layout.AssertFile(link, "sub/submodule.file", "sub 1", p.Diagnostics);

        // A nested submodule added inside the submodule.
        Superproject.Add(sub, nested, "nested-sub");
        await WaitForHashAsync(p, link, Superproject.Move(repo, "sub", sub.Head));
        Layout.AssertFile(link, "sub/nested-sub/nested.file", "nested 1", p.Diagnostics);

        // ... removed again.
        Superproject.Remove(sub, "nested-sub");
        await WaitForHashAsync(p, link, Superproject.Move(repo, "sub", sub.Head));
        Layout.AssertFile(link, "sub/submodule.file", "sub 2", p.Diagnostics);
        Assert.False(File.Exists(Path.Combine(link, "sub/nested-sub/nested.file")), "removed nested submodule is still there\n" + p.Diagnostics());

        // The submodule removed upstream: its files disappear.
        await WaitForHashAsync(p, link, Superproject.Remove(repo, "sub"));
        Assert.False(File.Exists(Path.Combine(link, "sub/submodule.file")), "removed submodule is still there\n" + p.Diagnostics());
        Layout.AssertMatchesCommit(link, repo, repo.Head, p.Diagnostics);
    }

    [Fact]
    public async Task Resolves_relative_submodule_urls_against_the_synced_repo()
    {
        TestRepo sub = NewRepo(name: "sub");
        sub.Commit("submodule.file", "sub 1");
        TestRepo repo = NewRepo();
        repo.Commit("file", "repo 1");
        string relative = Superproject.RelativeUrl(repo, sub);
        Superproject.Add(repo, sub, "sub", relative);
        Assert.StartsWith("../", repo.Git("config", "--file", ".gitmodules", "submodule.sub.url"), StringComparison.Ordinal);
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", AllowFileProtocol);

        Layout.AssertPublished(link, repo.Head, p.Diagnostics);
        Layout.AssertFile(link, "sub/submodule.file", "sub 1", p.Diagnostics);
    }

    [Fact]
    public async Task Re_resolves_relative_submodule_urls_when_repo_moves_to_a_mirror()
    {
        TestRepo sub = NewRepo(name: "sub");
        sub.Commit("submodule.file", "sub 1");
        TestRepo repo = NewRepo();
        repo.Commit("file", "repo 1");
        Superproject.Add(repo, sub, "sub", Superproject.RelativeUrl(repo, sub));
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        await RunOnceAsync(repo, root, "--link=link", AllowFileProtocol);

        // A mirror of both repositories with the same relative layout; then the originals
        // of the submodule go away, so only a URL resolved against the mirror can work.
        TempDir mirror = NewDir("mirror");
        string mirrorRepo = CopyRepository(repo.Path, mirror);
        CopyRepository(sub.Path, mirror);
        Directory.Delete(sub.Path, recursive: true);
        LocalGit.Output(mirrorRepo, "commit", "--quiet", "--allow-empty", "-m", "on the mirror");
        string head = LocalGit.Output(mirrorRepo, "rev-parse", "HEAD");

        GitSyncProcess p = await RunAsync(["--repo=file://" + mirrorRepo, "--root=" + root, "--link=link", "--one-time", AllowFileProtocol]);

        Assert.True(p.ExitCode == 0, $"sync from the mirror failed\n{p.Diagnostics()}");
        Layout.AssertPublished(link, head, p.Diagnostics);
        Layout.AssertFile(link, "sub/submodule.file", "sub 1", p.Diagnostics);
    }

    [Fact]
    public async Task Follows_a_submodule_url_changed_upstream()
    {
        TestRepo first = NewRepo(name: "first");
        first.Commit("submodule.file", "from first");
        TestRepo second = NewRepo(name: "second");
        second.Commit("submodule.file", "from second");
        TestRepo repo = NewRepo();
        repo.Commit("file", "repo 1");
        Superproject.Add(repo, first, "sub");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", AllowFileProtocol));
        await WaitForHashAsync(p, link, repo.Head);
        Layout.AssertFile(link, "sub/submodule.file", "from first", p.Diagnostics);

        // The commit the superproject now names exists only in the second repository.
        await WaitForHashAsync(p, link, Superproject.Repoint(repo, "sub", second));
        Layout.AssertFile(link, "sub/submodule.file", "from second", p.Diagnostics);
    }

    /// <summary>Copies the repository directory <paramref name="source"/> into <paramref name="mirror"/> under the same parent-directory name; returns the copy's path.</summary>
    private static string CopyRepository(string source, TempDir mirror)
    {
        string parent = Path.GetFileName(Path.GetDirectoryName(source)!);
        string target = mirror.Combine(parent, Path.GetFileName(source));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using System.Diagnostics.Process cp = System.Diagnostics.Process.Start("cp", ["-a", source, target]);
        cp.WaitForExit();
        Assert.Equal(0, cp.ExitCode);
        return target;
    }
}
