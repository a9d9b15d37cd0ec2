using System.Diagnostics;
using System.Text;
using GitSync.Tests.Auth;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.Strict;
using GitSync.Tests.TestServers;
using GitSync.Tests.Trust;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Deploy;

/// <summary>
/// The real <c>deploy/Dockerfile</c>, built offline with podman (<c>scripts/image.sh build</c>)
/// and run the way a pod under the restricted profile runs it: read-only root filesystem with
/// no writable <c>/tmp</c>, no injected passwd entry, every capability dropped, no new
/// privileges, only the root volume writable — as the image's user 65533 and as an arbitrary
/// UID with GID 0.
/// </summary>
public sealed class ImageTests(ITestOutputHelper output) : AuthTest(output)
{
    private const string Image = "localhost/git-sync-dotnet:test";

    private static readonly SemaphoreSlim BuildOnce = new(1, 1);
    private static bool _built;

    [Fact]
    public async Task Image_builds_and_syncs_file_ssh_and_signed_commits_under_the_restricted_profile()
    {
        await BuildAsync();

        // As 65533 (the image's user): a local repository, signed commits verified with gpg.
        using var signers = Own(new Signers());
        string gpgKey = signers.NewGpgKey("image");
        TempDir trust = NewDir("trust");
        string keyring = signers.WriteKeyring(trust.Combine("keyring.asc"), gpgKey);
        StrictSandbox.Readable(trust.Path);
        File.SetUnixFileMode(keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        TestRepo repo = NewRepo();
        StrictSandbox.Readable(repo.Path);
        string first = signers.CommitSigned(repo, gpgKey, "index.html", "v1");
        string root = OwnedDir("65533:65533");
        int port = Ports.Free();
        string name = Run(
            "--user", "65533:65533", "-v", $"{root}:/git", "-v", $"{Path.GetDirectoryName(repo.Path)}:/src:ro", "-v", $"{trust.Path}:/trust:ro",
            Image, "--repo=file:///src/repo", "--link=html", "--period=200ms", "--max-failures=-1", $"--http-bind=127.0.0.1:{port}",
            "--http-metrics", "--verify-signatures=commit", "--trusted-gpg-keyring-file=/trust/keyring.asc");
        await WaitForLinkAsync(name, root, first);
        Assert.Equal(200, (await HttpText.GetWithStatusAsync(port, "/")).Status);
        Assert.Contains("git_sync_count_total", await HttpText.GetAsync(port, "/metrics"), StringComparison.Ordinal);
        string second = signers.CommitSigned(repo, gpgKey, "index.html", "v2");
        await WaitForLinkAsync(name, root, second);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(root, "html", "index.html")));
        await StopAsync(name);

        // As an arbitrary UID with GID 0 and no passwd entry, over SSH (real sshd on the host).
        string keys = NewDir("keys").Path;
        SshKeyPair key = SshKeyPair.Generate(keys, "id");
        SshServer server = await SshServerAsync(key);
        TempDir secrets = NewDir("secrets");
        StrictSandbox.Secret(secrets, key.PrivateKeyPath, "ssh");
        File.WriteAllText(secrets.Combine("known_hosts"), server.KnownHostsLine + "\n");
        File.SetUnixFileMode(secrets.Combine("known_hosts"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string sshRoot = OwnedDir($"{StrictSandbox.Uid}:0");
        int sshPort = Ports.Free();
        string sshName = Run(
            "--user", $"{StrictSandbox.Uid}:0", "-v", $"{sshRoot}:/git", "-v", $"{secrets.Path}:/etc/git-secret:ro",
            Image, "--repo=" + server.UrlOf(repo), "--link=html", "--period=200ms", "--max-failures=-1", $"--http-bind=127.0.0.1:{sshPort}", "-v=1");
        await WaitForLinkAsync(sshName, sshRoot, second, server.Diagnostics);
        Assert.Equal(200, (await HttpText.GetWithStatusAsync(sshPort, "/")).Status);
        string logs = Podman("logs", sshName).Stderr;
        Assert.Contains("ssh gets one through nss_wrapper", logs, StringComparison.Ordinal);
        Assert.Contains("\"placement\":\"SharedMemory\"", logs, StringComparison.Ordinal);
        await StopAsync(sshName);
    }

    /// <summary>Builds the image once per test run (podman keeps the base images and layers between runs).</summary>
    private async Task BuildAsync()
    {
        await BuildOnce.WaitAsync();
        try
        {
            if (_built)
            {
                return;
            }

            var clock = Stopwatch.StartNew();
            var (code, stdout, stderr) = Exec(Path.Combine(RepoRoot(), "scripts", "image.sh"), TimeSpan.FromMinutes(20), "build", Image);
            Output.WriteLine($"scripts/image.sh build took {clock.Elapsed.TotalSeconds:0} s\n{Tail(stderr, 3000)}");
            Assert.True(code == 0, $"scripts/image.sh build failed ({code}):\n{Tail(stdout + stderr, 8000)}");
            _built = true;
        }
        finally
        {
            BuildOnce.Release();
        }
    }

    /// <summary>Starts the image detached, as the restricted profile runs it; returns the container's name.</summary>
    private string Run(params string[] args)
    {
        string name = "git-sync-test-" + Guid.NewGuid().ToString("N")[..12];
        var (code, stdout, stderr) = Podman([
            "run", "-d", "--name", name, "--network=host",
            "--read-only", "--read-only-tmpfs=false", "--passwd=false", "--cap-drop=ALL", "--security-opt=no-new-privileges",
            .. args]);
        Assert.True(code == 0, $"podman run failed ({code}): {stdout}{stderr}");
        Own(new Container(name));
        return name;
    }

    private async Task WaitForLinkAsync(string container, string root, string hash, Func<string>? context = null) =>
        await Poll.UntilAsync(
            () =>
            {
                string state = Podman("inspect", "--format", "{{.State.Running}}", container).Stdout.Trim();
                if (state != "true")
                {
                    throw new Xunit.Sdk.XunitException($"the container stopped:\n{Podman("logs", container).Stderr}\n{context?.Invoke()}");
                }

                return Layout.PublishedHash(Path.Combine(root, "html")) == hash;
            },
            TimeSpan.FromSeconds(60),
            $"the container publishes {hash}",
            () => Podman("logs", container).Stderr + "\n" + context?.Invoke());

    /// <summary>podman stop sends SIGTERM: git-sync must exit 0 and leave nothing of its own behind.</summary>
    private static async Task StopAsync(string container)
    {
        var (code, _, stderr) = Podman("stop", "-t", "20", container);
        Assert.True(code == 0, stderr);
        await Poll.UntilAsync(() => Podman("inspect", "--format", "{{.State.Status}}", container).Stdout.Trim() == "exited",
            "the container exits", () => Podman("logs", container).Stderr);
        Assert.Equal("0", Podman("inspect", "--format", "{{.State.ExitCode}}", container).Stdout.Trim());
    }

    private string OwnedDir(string owner)
    {
        TempDir dir = NewDir("volume");
        StrictSandbox.Readable(dir.Path);
        string path = dir.Combine("git");
        Directory.CreateDirectory(path);
        var (code, _, stderr) = Exec("chown", TimeSpan.FromSeconds(10), owner, path);
        Assert.True(code == 0, stderr);
        return path;
    }

    private static (int Code, string Stdout, string Stderr) Podman(params string[] args) =>
        Exec(Path.Combine(RepoRoot(), "scripts", "image.sh"), TimeSpan.FromMinutes(2), ["podman", .. args]);

    private static (int Code, string Stdout, string Stderr) Exec(string program, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot(),
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Tail(string text, int chars) => text.Length > chars ? "..." + text[^chars..] : text;

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }

    /// <summary>Removes a test container, running or not.</summary>
    private sealed class Container(string name) : IDisposable
    {
        public void Dispose() => Podman("rm", "-f", "-t", "0", name);
    }
}
