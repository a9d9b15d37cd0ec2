using System.Text;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Sync;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Sync;

/// <summary>
/// A <see cref="SyncLoop"/> running in the test process against a local repository with real
/// git, on a <see cref="TrackingClock"/>: time passes only when the test says so.
/// </summary>
internal sealed class LoopHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly TempDir _dir;
    private readonly LogCapture _log;

    private LoopHarness(TempDir dir, CancellationTokenSource stop, LogCapture log, Task<int> run, SyncStatus status, SyncTrigger trigger, TrackingClock clock, string link)
    {
        _dir = dir;
        _stop = stop;
        _log = log;
        Run = run;
        Status = status;
        Trigger = trigger;
        Clock = clock;
        Link = link;
    }

    public Task<int> Run { get; }

    public SyncStatus Status { get; }

    public SyncTrigger Trigger { get; }

    public TrackingClock Clock { get; }

    public string Link { get; }

    /// <summary>Starts a loop syncing <paramref name="repoUrl"/>'s HEAD into a new root.</summary>
    public static LoopHarness Start(string repoUrl, LoopOptions loop, PublishPipeline? pipeline = null)
    {
        var dir = TempDir.Create("loop");
        var config = dir.Combine("gitconfig");
        File.WriteAllText(config, "[gc]\n\tautoDetach = false\n[safe]\n\tdirectory = *\n");
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_CONFIG_GLOBAL"] = config,
            ["GIT_CONFIG_NOSYSTEM"] = "true",
            ["GIT_TERMINAL_PROMPT"] = "0",
        };
        var clock = new TrackingClock();
        var capture = new LogCapture();
        var log = new Log(5, capture);
        var sync = new SyncOptions { Repo = repoUrl, Root = dir.Combine("root"), Link = dir.Combine("root", "link") };
        Directory.CreateDirectory(sync.Root);
        var git = new GitCli(LocalGit.Executable, env, log);
        var status = new SyncStatus(clock);
        var trigger = new SyncTrigger();
        var engine = new SyncEngine(sync, git, log, pipeline, clock);
        var syncLoop = new SyncLoop(sync, loop, engine, git, trigger, status, null, new StatusFiles(loop, log), log, clock);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => syncLoop.RunAsync(stop.Token));
        return new LoopHarness(dir, stop, capture, run, status, trigger, clock, sync.Link);
    }

    /// <summary>The hash the link serves, or null.</summary>
    public string? Served
    {
        get
        {
            var target = new FileInfo(Link).LinkTarget;
            return target is null ? null : Path.GetFileName(target);
        }
    }

    /// <summary>The loop's log and the clock's timers, for failure messages.</summary>
    public string Diagnostics() => $"{Clock.Describe()}\nstatus: {Status.Current}\nrun: {Run.Status}\nlog:\n{_log.Text()}";

    /// <summary>Waits until the loop (or whatever runs on the clock) has armed a timer of <paramref name="wait"/>.</summary>
    public Task UntilWaitingAsync(TimeSpan wait, string what) =>
        Poll.UntilAsync(() => Clock.IsWaiting(wait) || Run.IsCompleted, what, Diagnostics);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAny(Run, Task.Delay(TimeSpan.FromSeconds(60)));
        _stop.Dispose();
        _dir.Dispose();
    }

    /// <summary>A thread-safe log sink.</summary>
    private sealed class LogCapture : Stream
    {
        private readonly StringBuilder _text = new();

        public string Text()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_text)
            {
                _text.Append(Encoding.UTF8.GetString(buffer, offset, count));
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_text)
            {
                _text.Append(Encoding.UTF8.GetString(buffer));
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
