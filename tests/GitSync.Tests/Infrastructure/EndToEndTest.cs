using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Infrastructure;

/// <summary>
/// Base for end-to-end tests: owns the temp dirs, source repos and git-sync processes a test
/// creates, kills the processes and removes the dirs afterwards, and writes every process's
/// stderr to the test output so a failure can be diagnosed from the test report alone.
/// </summary>
public abstract class EndToEndTest : IDisposable
{
    /// <summary>How long a git-sync expected to finish on its own (--one-time, config errors) may take.</summary>
    protected static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(30);

    private readonly List<GitSyncProcess> _processes = [];
    private readonly List<IDisposable> _resources = [];
    private readonly Lock _gate = new();

    protected EndToEndTest(ITestOutputHelper output) => Output = output;

    protected ITestOutputHelper Output { get; }

    protected TempDir NewDir(string prefix = "root") => Own(TempDir.Create(prefix));

    protected TestRepo NewRepo(string branch = "main", string name = "repo") => Own(TestRepo.Create(branch, name));

    /// <summary>Standard arguments: <c>--repo=URL --root=ROOT</c> followed by <paramref name="extra"/>.</summary>
    protected static string[] Args(TestRepo repo, string root, params string[] extra) =>
        ["--repo=" + repo.Url, "--root=" + root, .. extra];

    protected GitSyncProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, IEnumerable<string>? launcher = null)
    {
        GitSyncProcess process = GitSyncProcess.Start(args, env, launcher: launcher);
        lock (_gate)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Runs git-sync to completion (e.g. --one-time); returns the exited process for its exit code and output.</summary>
    protected async Task<GitSyncProcess> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        GitSyncProcess process = Start(args, env);
        await process.WaitForExitAsync(ExitDeadline);
        return process;
    }

    /// <summary>Runs git-sync --one-time and asserts it exits 0.</summary>
    protected async Task<GitSyncProcess> RunOnceAsync(TestRepo repo, string root, params string[] extra)
    {
        GitSyncProcess process = await RunAsync(Args(repo, root, ["--one-time", .. extra]));
        Assert.True(process.ExitCode == 0, $"git-sync --one-time exited {process.ExitCode}, expected 0\n{process.Diagnostics()}");
        return process;
    }

    /// <summary>Polls until the link publishes <paramref name="hash"/>; fails early if git-sync exits.</summary>
    protected static Task WaitForHashAsync(GitSyncProcess process, string link, string hash) =>
        Poll.UntilAsync(
            () =>
            {
                if (process.HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"git-sync exited while waiting for {link} -> {hash}\n{process.Diagnostics()}");
                }

                return Layout.PublishedHash(link) == hash;
            },
            $"{link} publishes {hash}",
            () => $"current target: {Layout.TargetOf(link) ?? "none"}\n{process.Diagnostics()}");

    protected T Own<T>(T resource)
        where T : IDisposable
    {
        lock (_gate)
        {
            _resources.Add(resource);
        }

        return resource;
    }

    public void Dispose()
    {
        List<GitSyncProcess> processes;
        List<IDisposable> resources;
        lock (_gate)
        {
            processes = [.. _processes];
            resources = [.. _resources];
        }

        foreach (GitSyncProcess process in processes)
        {
            process.Kill();
            try
            {
                Output.WriteLine(process.Diagnostics(tailLines: 80));
            }
            catch (InvalidOperationException)
            {
                // No test is active any more (output helper closed); nothing to report to.
            }

            process.Dispose();
        }

        for (int i = resources.Count - 1; i >= 0; i--)
        {
            resources[i].Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
