using System.Text.Json;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>--touch-file and --error-file, relative to the root or absolute.</summary>
public sealed class StatusFileTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Touches_relative_touch_file_on_first_sync_and_on_change_only()
    {
        using TestRepo repo = NewRepo();
        string first = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string touchFile = Path.Combine(root, "touched");

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--period=100ms", "--touch-file=touched", "-v=3"));
        await WaitForHashAsync(p, link, first);
        await Poll.UntilAsync(() => File.Exists(touchFile), "the touch file is created on the first sync", p.Diagnostics);
        DateTime afterFirst = File.GetLastWriteTimeUtc(touchFile);

        // Unchanged polls do not touch it: wait for five of them (each logs at -v=3).
        int polls = p.UnchangedPolls;
        await Poll.UntilAsync(() => p.UnchangedPolls >= polls + 5, "five unchanged polls", p.Diagnostics);
        Assert.True(File.GetLastWriteTimeUtc(touchFile) == afterFirst, "unchanged polls must not touch the file\n" + p.Diagnostics());

        string second = repo.Commit("file", "v2");
        await WaitForHashAsync(p, link, second);
        await Poll.UntilAsync(() => File.GetLastWriteTimeUtc(touchFile) > afterFirst, "the touch file is touched after an update", p.Diagnostics);
    }

    [Fact]
    public async Task Touches_absolute_touch_file()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        string touchFile = NewDir("touch").Combine("touched");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--touch-file=" + touchFile);

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.True(File.Exists(touchFile), "absolute touch file missing\n" + p.Diagnostics());
        Assert.False(File.Exists(Path.Combine(root, Path.GetFileName(touchFile))));
    }

    [Fact]
    public async Task Writes_relative_error_file_as_json_when_sync_fails()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--ref=missing", "--error-file=error.json"));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        AssertJsonObject(Path.Combine(root, "error.json"), p);
    }

    [Fact]
    public async Task Writes_absolute_error_file_as_json_when_sync_fails()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string errorFile = NewDir("errors").Combine("error.json");

        GitSyncProcess p = await RunAsync(Args(repo, root, "--one-time", "--ref=missing", "--error-file=" + errorFile));

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        AssertJsonObject(errorFile, p);
        Assert.False(File.Exists(Path.Combine(root, "error.json")));
    }

    [Fact]
    public async Task Removes_error_file_after_a_successful_sync()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        string errorFile = Path.Combine(root, "status", "error.json");
        Directory.CreateDirectory(Path.GetDirectoryName(errorFile)!);

        GitSyncProcess p = Start(Args(repo, root, "--link=link", "--ref=later", "--period=100ms",
            "--max-failures=-1", "--error-file=status/error.json"));
        await Poll.UntilAsync(() => File.Exists(errorFile), "the error file is written while the ref is missing", p.Diagnostics);
        AssertJsonObject(errorFile, p);

        string head = repo.Branch("later").RevParse("later");
        await WaitForHashAsync(p, link, head);
        await Poll.UntilAsync(() => !File.Exists(errorFile), "the error file is removed after a success", p.Diagnostics);
    }

    [Fact]
    public async Task Removes_stale_error_file_left_by_an_earlier_run()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        Directory.CreateDirectory(root);
        string errorFile = Path.Combine(root, "error.json");
        File.WriteAllText(errorFile, """{"msg":"left over"}""");

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "--error-file=error.json");

        Layout.AssertPublished(Path.Combine(root, "link"), head, p.Diagnostics);
        Assert.False(File.Exists(errorFile), "the error file must be removed after a successful sync\n" + p.Diagnostics());
    }

    [Fact]
    public async Task Never_writes_through_symlinks_planted_at_the_error_and_touch_files()
    {
        using TestRepo repo = NewRepo();
        string head = repo.Commit("file", "v1");
        string root = NewDir().Path;
        TempDir elsewhere = NewDir("victim");
        string victim = elsewhere.Combine("victim");
        File.WriteAllText(victim, "keep");
        string wouldBeCreated = elsewhere.Combine("created");
        // What a consumer sharing the root volume could plant.
        File.CreateSymbolicLink(Path.Combine(root, "error.json"), victim);
        File.CreateSymbolicLink(Path.Combine(root, "touched"), wouldBeCreated);

        GitSyncProcess failed = await RunAsync(Args(repo, root, "--one-time", "--ref=missing", "--error-file=error.json", "--touch-file=touched"));
        Assert.True(failed.ExitCode == 1, failed.Diagnostics());
        AssertJsonObject(Path.Combine(root, "error.json"), failed);
        Assert.Null(new FileInfo(Path.Combine(root, "error.json")).LinkTarget);

        GitSyncProcess synced = await RunOnceAsync(repo, root, "--link=link", "--error-file=error.json", "--touch-file=touched");
        Layout.AssertPublished(Path.Combine(root, "link"), head, synced.Diagnostics);

        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.False(File.Exists(wouldBeCreated), "the touch file's symlink was followed\n" + synced.Diagnostics());
    }

    private static void AssertJsonObject(string path, GitSyncProcess p)
    {
        Assert.True(File.Exists(path), $"error file {path} was not written\n{p.Diagnostics()}");
        string text = File.ReadAllText(path);
        using JsonDocument json = JsonDocument.Parse(text);
        Assert.True(json.RootElement.ValueKind == JsonValueKind.Object, $"error file is not a JSON object: {text}");
        Assert.True(json.RootElement.EnumerateObject().Any(), $"error file is an empty JSON object: {text}");
    }
}
