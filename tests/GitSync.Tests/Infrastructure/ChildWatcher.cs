namespace GitSync.Tests.Infrastructure;

/// <summary>One child process as seen in /proc: its argv (joined by spaces) and environment.</summary>
public sealed record ObservedProcess(int Pid, string CommandLine, string Environment);

/// <summary>
/// Polls /proc as fast as it can for descendants of one pid, recording each distinct
/// (pid, argv) with its environment. A child between fork and exec still shows git-sync's own
/// argv and environment block, so those states are skipped.
/// </summary>
public sealed class ChildWatcher : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(int, string), ObservedProcess> _seen = [];
    private Task? _loop;

    public void Watch(int rootPid) => _loop = Task.Run(() => Loop(rootPid));

    public async Task<IReadOnlyList<ObservedProcess>> StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        return [.. _seen.Values];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop?.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void Loop(int rootPid)
    {
        string gitSync = Path.GetFullPath(GitSyncProcess.BinaryPath);
        var descendants = new HashSet<int> { rootPid };
        while (!_stop.IsCancellationRequested)
        {
            foreach (ProcessEntry entry in ProcessTable.Snapshot())
            {
                if (entry.Pid != rootPid && !entry.IsZombie && descendants.Contains(entry.ParentPid))
                {
                    descendants.Add(entry.Pid);
                }
            }

            foreach (int pid in descendants)
            {
                if (pid == rootPid)
                {
                    continue;
                }

                string? image = ExecutableOf(pid);
                string cmdline = string.Join(' ', ProcessTable.CommandLine(pid));
                if (image is null || image == gitSync || cmdline.Length == 0 || _seen.ContainsKey((pid, cmdline)))
                {
                    continue;
                }

                string environ = ReadEnviron(pid);
                // Check again: after an exec meanwhile, the environment may belong to either image.
                if (ExecutableOf(pid) == image && string.Join(' ', ProcessTable.CommandLine(pid)) == cmdline)
                {
                    _seen[(pid, cmdline)] = new ObservedProcess(pid, cmdline, environ);
                }
            }

            Thread.Sleep(1);
        }
    }

    private static string? ExecutableOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ReadEnviron(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Replace('\0', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
