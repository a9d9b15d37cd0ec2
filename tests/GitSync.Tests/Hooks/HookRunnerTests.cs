using System.Collections.Concurrent;
using GitSync.Hooks;
using GitSync.Logging;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Hooks;

/// <summary>
/// The after-publish hook runner in-process, on a clock that moves only when the test moves
/// it: retries after exactly the backoff, the newest hash wins, one-time mode never retries.
/// </summary>
public sealed class HookRunnerTests : IAsyncLifetime
{
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);

    private readonly TrackingClock _clock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ScriptedHook _hook = new();
    private Task _running = Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.WaitAsync(Poll.DefaultDeadline);
        _stop.Dispose();
    }

    private HookRunner Start(bool oneTime = false)
    {
        var runner = new HookRunner(_hook, Backoff, oneTime, null, new Log(0, Stream.Null), _clock);
        _running = Task.Run(() => runner.RunAsync(_stop.Token));
        return runner;
    }

    private string Diagnostics() => $"{_clock.Describe()}; runs: {string.Join(", ", _hook.Runs)}";

    private Task UntilRunsAsync(int count) =>
        Poll.UntilAsync(() => _hook.Runs.Count == count, $"the hook has run {count} time(s)", Diagnostics);

    private Task UntilBackingOffAsync() =>
        Poll.UntilAsync(() => _clock.IsWaiting(Backoff), "the runner waits for the backoff", Diagnostics);

    [Fact]
    public async Task A_failed_run_is_retried_after_exactly_the_backoff()
    {
        _hook.FailFirst(2);
        var runner = Start();
        runner.Send("/trees/a", "a");
        await UntilRunsAsync(1);
        Assert.False(await runner.FirstRun.WaitAsync(Poll.DefaultDeadline), "the first run failed");
        await UntilBackingOffAsync();

        _clock.Advance(Backoff - TimeSpan.FromMilliseconds(1));
        Assert.True(_clock.IsWaiting(Backoff), Diagnostics());
        Assert.Single(_hook.Runs);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await UntilRunsAsync(2);
        await UntilBackingOffAsync();
        _clock.Advance(Backoff);
        await UntilRunsAsync(3);
        Assert.Equal(["a", "a", "a"], _hook.Runs);
    }

    [Fact]
    public async Task A_hash_sent_during_the_backoff_replaces_the_one_being_retried()
    {
        _hook.FailFirst(1);
        var runner = Start();
        runner.Send("/trees/a", "a");
        await UntilRunsAsync(1);
        await UntilBackingOffAsync();

        runner.Send("/trees/b", "b");
        runner.Send("/trees/c", "c");
        _clock.Advance(Backoff);
        await UntilRunsAsync(2);
        Assert.Equal(["a", "c"], _hook.Runs);
        Assert.Equal("/trees/c", _hook.Worktrees.Last());
    }

    [Fact]
    public async Task A_success_needs_no_retry_and_the_next_hash_runs_at_once()
    {
        var runner = Start();
        runner.Send("/trees/a", "a");
        await UntilRunsAsync(1);
        Assert.True(await runner.FirstRun.WaitAsync(Poll.DefaultDeadline));
        Assert.False(_clock.IsWaiting(Backoff), Diagnostics());

        runner.Send("/trees/b", "b");
        await UntilRunsAsync(2);
        Assert.Equal(["a", "b"], _hook.Runs);
    }

    [Fact]
    public async Task In_one_time_mode_a_failure_is_final()
    {
        _hook.FailFirst(1);
        var runner = Start(oneTime: true);
        runner.Send("/trees/a", "a");
        Assert.False(await runner.FirstRun.WaitAsync(Poll.DefaultDeadline));
        Assert.False(_clock.IsWaiting(Backoff), "no retry is scheduled\n" + Diagnostics());
        Assert.Single(_hook.Runs);
    }

    [Fact]
    public async Task Stopping_during_the_backoff_ends_the_runner()
    {
        _hook.FailFirst(1);
        var runner = Start();
        runner.Send("/trees/a", "a");
        await UntilBackingOffAsync();
        await _stop.CancelAsync();
        await _running.WaitAsync(Poll.DefaultDeadline);
        Assert.Single(_hook.Runs);
    }

    /// <summary>Records each run; fails the first N.</summary>
    private sealed class ScriptedHook : IHook
    {
        private int _failuresLeft;

        public ConcurrentQueue<string> Runs { get; } = new();

        public ConcurrentQueue<string> Worktrees { get; } = new();

        public string Name => "scripted";

        public void FailFirst(int count) => _failuresLeft = count;

        public Task RunAsync(string worktree, string hash, CancellationToken ct)
        {
            Worktrees.Enqueue(worktree);
            Runs.Enqueue(hash);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new HookException($"scripted failure for {hash}");
            }
            return Task.CompletedTask;
        }
    }
}
