using System.Text.RegularExpressions;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// Errors a user sees (log on stderr, error file) are sentences that name the path and the flag
/// — never .NET resource keys such as <c>IO_FileNotFound_FileName, /path</c>, which a NativeAOT
/// build with <c>UseSystemResourceKeys</c> prints instead of messages.
/// </summary>
public sealed partial class ErrorMessageTests(ITestOutputHelper output) : EndToEndTest(output)
{
    [Fact]
    public async Task Missing_sparse_checkout_file_is_named_in_a_sentence()
    {
        using TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string missing = NewDir("missing").Combine("no-such-dir", "sparse");
        string errorFile = NewDir("err").Combine("error.json");

        GitSyncProcess p = await RunAsync(Args(repo, NewDir().Path, "--one-time", "--sparse-checkout-file=" + missing, "--error-file=" + errorFile));

        AssertSentence(p, errorFile, missing, "--sparse-checkout-file", "does not exist");
    }

    [Fact]
    public async Task Missing_password_file_is_named_in_a_sentence()
    {
        string missing = NewDir("missing").Combine("password");
        string errorFile = NewDir("err").Combine("error.json");

        GitSyncProcess p = await RunAsync(["--repo=http://127.0.0.1:9/repo", "--root=" + NewDir().Path, "--one-time",
            "--username=user", "--password-file=" + missing, "--error-file=" + errorFile]);

        AssertSentence(p, errorFile, missing, "--password-file", "does not exist");
    }

    [Fact]
    public async Task Unreadable_password_file_is_named_in_a_sentence()
    {
        TempDir shared = SharedDir();
        string password = shared.Combine("password");
        File.WriteAllText(password, "secret");
        File.SetUnixFileMode(password, UnixFileMode.None);
        string errorFile = shared.Combine("error.json");

        GitSyncProcess p = await RunUnprivilegedAsync(shared, ["--repo=http://127.0.0.1:9/repo", "--root=" + shared.Combine("root"), "--one-time",
            "--username=user", "--password-file=" + password, "--error-file=" + errorFile]);

        AssertSentence(p, errorFile, password, "--password-file", "permission denied");
    }

    [Fact]
    public async Task Root_in_a_read_only_directory_is_named_in_a_sentence()
    {
        TempDir shared = SharedDir();
        string readOnly = shared.Combine("read-only");
        Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                       UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        string root = Path.Combine(readOnly, "volume", "root");
        string errorFile = shared.Combine("error.json");

        GitSyncProcess p = await RunUnprivilegedAsync(shared, ["--repo=http://127.0.0.1:9/repo", "--root=" + root, "--one-time", "--error-file=" + errorFile]);

        AssertSentence(p, errorFile, root, "--root", "permission denied");
    }

    [Fact]
    public async Task Error_file_in_a_read_only_directory_is_named_in_a_sentence()
    {
        TempDir shared = SharedDir();
        string readOnly = shared.Combine("read-only");
        Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                       UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        string errorFile = Path.Combine(readOnly, "error.json");

        // The sync fails (nothing listens on port 9) and the error file can't be written.
        GitSyncProcess p = await RunUnprivilegedAsync(shared, ["--repo=http://127.0.0.1:9/repo", "--root=" + shared.Combine("root"), "--one-time",
            "--error-file=" + errorFile]);

        Assert.True(p.ExitCode == 1, p.Diagnostics());
        string line = Assert.Single(p.StderrLines, l => l.Contains("can't write the error file", StringComparison.Ordinal));
        Assert.Contains($"can't write the --error-file {errorFile}: permission denied", line, StringComparison.Ordinal);
        AssertNoResourceKey(p.Stderr, p);
    }

    /// <summary>One stderr line and the error file carry a sentence naming the path, the flag and the reason.</summary>
    private static void AssertSentence(GitSyncProcess p, string errorFile, string path, string flag, string reason)
    {
        Assert.True(p.ExitCode == 1, $"expected exit 1, got {p.ExitCode}\n{p.Diagnostics()}");
        Assert.True(p.StderrLines.Any(l => l.Contains(path, StringComparison.Ordinal) && l.Contains(flag, StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal)),
            $"no stderr line names {path}, {flag} and '{reason}'\n{p.Diagnostics()}");
        AssertNoResourceKey(p.Stderr, p);
        Assert.True(File.Exists(errorFile), "the error file was not written\n" + p.Diagnostics());
        string written = File.ReadAllText(errorFile);
        Assert.Contains(path, written, StringComparison.Ordinal);
        Assert.Contains(reason, written, StringComparison.Ordinal);
        AssertNoResourceKey(written, p);
    }

    private static void AssertNoResourceKey(string text, GitSyncProcess p)
    {
        Match key = ResourceKey().Match(text);
        Assert.False(key.Success, $"resource key '{key.Value}' instead of a message\n{text}\n{p.Diagnostics()}");
    }

    [GeneratedRegex(@"\b(IO|UnauthorizedAccess|Arg|Argument|InvalidOperation|NotSupported|PlatformNotSupported|net)_[A-Z][A-Za-z_]*")]
    private static partial Regex ResourceKey();

    /// <summary>A directory an unprivileged user can reach and write in (temp dirs are 0700).</summary>
    private TempDir SharedDir()
    {
        TempDir dir = NewDir("shared");
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1FF); // 0777
        return dir;
    }

    /// <summary>
    /// Runs git-sync as an unprivileged user, so file permissions apply (root would read a 0000
    /// file and write into a 0555 directory). As root: as nobody (65534) through setpriv, from a
    /// copy of the binary in <paramref name="shared"/> (the checkout may sit in a directory nobody
    /// can enter). Otherwise the test already runs unprivileged.
    /// </summary>
    private async Task<GitSyncProcess> RunUnprivilegedAsync(TempDir shared, string[] args)
    {
        var env = new Dictionary<string, string?> { ["HOME"] = shared.Path };
        if (Libc.GetEuid() != 0)
        {
            return await RunAsync(args, env);
        }

        string binary = shared.Combine("git-sync");
        File.Copy(GitSyncProcess.BinaryPath, binary);
        string launcher = shared.Combine("as-nobody.sh");
        // $1 is the binary path the harness passes; run the reachable copy instead.
        File.WriteAllText(launcher, $"#!/bin/sh\nshift\nexec setpriv --reuid=65534 --regid=65534 --clear-groups '{binary}' \"$@\"\n");
        File.SetUnixFileMode(launcher, (UnixFileMode)0x1ED); // 0755
        GitSyncProcess p = Start(args, env, launcher: [launcher]);
        await p.WaitForExitAsync(ExitDeadline);
        return p;
    }
}
