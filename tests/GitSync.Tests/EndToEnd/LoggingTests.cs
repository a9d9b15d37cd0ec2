using System.Text.Json;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>JSON-lines logs on stderr, verbosity, and secrets kept out of logs and the error file.</summary>
public sealed class LoggingTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Logs_one_json_object_per_stderr_line()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;

        GitSyncProcess p = await RunOnceAsync(repo, root, "--link=link", "-v", "6");

        IReadOnlyList<string> lines = p.StderrLines.Where(l => l.Trim().Length > 0).ToList();
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            using JsonDocument json = ParseOrFail(line, p);
            Assert.True(json.RootElement.ValueKind == JsonValueKind.Object, "not a JSON object: " + line);
        }
    }

    [Fact]
    public async Task Logs_git_commands_at_verbosity_five_only()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");

        GitSyncProcess quiet = await RunOnceAsync(repo, NewDir().Path, "--link=link", "-v=0");
        GitSyncProcess verbose = await RunOnceAsync(repo, NewDir().Path, "--link=link", "-v=5");

        Assert.True(verbose.StderrLines.Count > quiet.StderrLines.Count, "-v 5 should log more than -v 0\n" + verbose.Diagnostics());
        Assert.Contains(verbose.StderrLines, l => l.Contains("fetch", StringComparison.Ordinal) && l.Contains(repo.Url, StringComparison.Ordinal));
        Assert.DoesNotContain(quiet.StderrLines, l => l.Contains("rev-parse", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redacts_password_in_repo_url_from_logs_and_error_file()
    {
        const string secret = "s3cr3t-Pa55word";
        string root = NewDir().Path;
        int closedPort = Ports.Free();
        string errorFile = Path.Combine(root, "error.json");

        GitSyncProcess p = await RunAsync([
            $"--repo=http://someone:{secret}@127.0.0.1:{closedPort}/repo.git", "--root=" + root, "--link=link",
            "--one-time", "-v", "9", "--error-file=error.json"],
            new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" });

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        Assert.True(p.StderrLines.Count > 0);
        Assert.DoesNotContain(secret, p.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, p.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(errorFile), p.Diagnostics());
        Assert.DoesNotContain(secret, File.ReadAllText(errorFile), StringComparison.Ordinal);
        // The failed attempt must not have left the password under the root either.
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            Assert.False(File.ReadAllText(file).Contains(secret, StringComparison.Ordinal), $"{file} contains the password");
        }
    }

    private static JsonDocument ParseOrFail(string line, GitSyncProcess p)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"stderr line is not JSON ({ex.Message}): {line}\n{p.Diagnostics()}");
        }
    }
}
