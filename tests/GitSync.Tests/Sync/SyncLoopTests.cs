using GitSync.Sync;
using GitSync.Tests.Infrastructure;
using Xunit;

namespace GitSync.Tests.Sync;

/// <summary>
/// The loop in-process, on a clock that moves only when the test moves it: the period, the
/// trigger, the failure budgets of both phases, the sync timeout and a gate's retry wait. Git
/// is real (a local repository); only time is fake.
/// </summary>
public sealed class SyncLoopTests
{
    // Distinct lengths, so "the loop waits for X" names exactly one timer.
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan InitPeriod = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromMinutes(7);

    private static LoopOptions Loop(int maxFailures = 0, int initMaxFailures = 0) => new()
    {
        Period = Period,
        InitPeriod = InitPeriod,
        SyncTimeout = SyncTimeout,
        MaxFailures = maxFailures,
        InitMaxFailures = initMaxFailures,
    };

    [Fact]
    public async Task The_next_sync_starts_when_the_period_has_passed_on_the_clock()
    {
        using var repo = TestRepo.Create();
        var first = repo.Commit("file", "v1");
        await using var loop = LoopHarness.Start(repo.Url, Loop());
        await Poll.UntilAsync(() => loop.Served == first, "the first sync publishes", loop.Diagnostics);
        await loop.UntilWaitingAsync(Period, "the loop waits for the period");

        var second = repo.Commit("file", "v2");
        loop.Clock.Advance(Period - TimeSpan.FromMilliseconds(1));
        // Nothing but the clock, a trigger or a stop can end the wait, and the clock is short of it.
        Assert.True(loop.Clock.IsWaiting(Period), loop.Diagnostics());
        Assert.Equal(1, loop.Status.Current.SyncCount);

        loop.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await Poll.UntilAsync(() => loop.Served == second, "the second sync publishes the new commit", loop.Diagnostics);
        Assert.Equal(2, loop.Status.Current.UpdateCount);
        Assert.Equal(loop.Clock.GetUtcNow(), loop.Status.Current.LastUpdate);
    }

    [Fact]
    public async Task A_trigger_ends_the_wait_without_the_clock_moving()
    {
        using var repo = TestRepo.Create();
        repo.Commit("file", "v1");
        await using var loop = LoopHarness.Start(repo.Url, Loop());
        await Poll.UntilAsync(() => loop.Status.IsReady, "the first sync succeeds", loop.Diagnostics);
        await loop.UntilWaitingAsync(Period, "the loop waits for the period");

        var second = repo.Commit("file", "v2");
        loop.Trigger.Fire();
        await Poll.UntilAsync(() => loop.Served == second, "the triggered sync publishes", loop.Diagnostics);
        await loop.UntilWaitingAsync(Period, "the loop waits for a full period again");
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), loop.Clock.GetUtcNow());
    }

    [Fact]
    public async Task In_the_init_phase_failures_wait_the_init_period_and_the_budget_ends_the_loop()
    {
        using var missing = TempDir.Create("missing");
        await using var loop = LoopHarness.Start("file://" + missing.Combine("nothing-here"), Loop(maxFailures: 5, initMaxFailures: 2));

        for (var failures = 1; failures <= 2; failures++)
        {
            var expected = failures;
            await Poll.UntilAsync(() => loop.Status.Current.ConsecutiveFailures == expected, $"failure {expected} is counted", loop.Diagnostics);
            await loop.UntilWaitingAsync(InitPeriod, "the loop waits for the init period after a failure");
            Assert.False(loop.Run.IsCompleted, "within the budget the loop goes on\n" + loop.Diagnostics());
            loop.Clock.Advance(InitPeriod);
        }

        // The third failure exceeds --init-max-failures=2 (the steady-state budget of 5 does not apply yet).
        Assert.Equal(1, await loop.Run.WaitAsync(Poll.DefaultDeadline));
        Assert.Equal(3, loop.Status.Current.ConsecutiveFailures);
        Assert.False(loop.Status.IsReady);
    }

    [Fact]
    public async Task After_the_first_success_failures_wait_the_period_and_count_against_max_failures()
    {
        using var repo = TestRepo.Create();
        var first = repo.Commit("file", "v1");
        await using var loop = LoopHarness.Start(repo.Url, Loop(maxFailures: 1, initMaxFailures: 0));
        await Poll.UntilAsync(() => loop.Served == first, "the first sync publishes", loop.Diagnostics);
        await loop.UntilWaitingAsync(Period, "the loop waits for the period");

        Directory.Move(repo.Path, repo.Path + ".gone");
        try
        {
            loop.Clock.Advance(Period);
            await Poll.UntilAsync(() => loop.Status.Current.ConsecutiveFailures == 1, "the first steady-state failure is counted", loop.Diagnostics);
            await loop.UntilWaitingAsync(Period, "a steady-state failure waits the steady period, not the init period");
            Assert.False(loop.Run.IsCompleted, "one failure is within --max-failures=1\n" + loop.Diagnostics());

            loop.Clock.Advance(Period);
            Assert.Equal(1, await loop.Run.WaitAsync(Poll.DefaultDeadline));
            Assert.Equal(2, loop.Status.Current.ConsecutiveFailures);
            Assert.Equal(first, loop.Served);
        }
        finally
        {
            Directory.Move(repo.Path + ".gone", repo.Path);
        }
    }

    [Fact]
    public async Task A_success_resets_the_failure_count()
    {
        using var repo = TestRepo.Create();
        repo.Commit("file", "v1");
        await using var loop = LoopHarness.Start(repo.Url, Loop(maxFailures: 1));
        await Poll.UntilAsync(() => loop.Status.IsReady, "the first sync succeeds", loop.Diagnostics);

        for (var round = 0; round < 3; round++)
        {
            await loop.UntilWaitingAsync(Period, "the loop waits for the period");
            Directory.Move(repo.Path, repo.Path + ".gone");
            loop.Clock.Advance(Period);
            var errors = round + 1;
            await Poll.UntilAsync(() => loop.Status.Current.ErrorCount == errors, "the failure is counted", loop.Diagnostics);
            await loop.UntilWaitingAsync(Period, "the loop waits after the failure");
            Directory.Move(repo.Path + ".gone", repo.Path);
            loop.Clock.Advance(Period);
            await Poll.UntilAsync(() => loop.Status.Current.ConsecutiveFailures == 0, "a success resets the count", loop.Diagnostics);
        }
        Assert.False(loop.Run.IsCompleted, "one failure at a time never exceeds --max-failures=1\n" + loop.Diagnostics());
    }

    [Fact]
    public async Task A_sync_that_outlasts_the_timeout_on_the_clock_fails()
    {
        using var repo = TestRepo.Create();
        repo.Commit("file", "v1");
        var gate = new StuckGate();
        await using var loop = LoopHarness.Start(repo.Url, Loop(), new PublishPipeline { Gates = [gate] });
        await gate.Entered.Task.WaitAsync(Poll.DefaultDeadline);
        await loop.UntilWaitingAsync(SyncTimeout, "the sync's deadline is armed");
        Assert.False(loop.Run.IsCompleted);

        loop.Clock.Advance(SyncTimeout);
        // --init-max-failures=0: the timed-out sync is the one failure too many.
        Assert.Equal(1, await loop.Run.WaitAsync(Poll.DefaultDeadline));
        Assert.StartsWith("sync timed out after", loop.Status.Current.LastError, StringComparison.Ordinal);
        Assert.Null(loop.Served);
    }

    [Fact]
    public async Task A_held_back_tree_is_asked_about_again_after_the_gates_wait_and_is_not_a_failure()
    {
        using var repo = TestRepo.Create();
        var first = repo.Commit("file", "v1");
        var retry = TimeSpan.FromSeconds(42);
        var gate = new RefusingGate(refusals: 2, retry);
        await using var loop = LoopHarness.Start(repo.Url, Loop(), new PublishPipeline { Gates = [gate] });

        for (var asked = 1; asked <= 2; asked++)
        {
            var expected = asked;
            await Poll.UntilAsync(() => gate.Asked.Count == expected, $"the gate is asked ({expected})", loop.Diagnostics);
            await loop.UntilWaitingAsync(retry, "the loop waits for the gate's retry wait");
            Assert.Null(loop.Served);
            loop.Clock.Advance(retry);
        }

        await Poll.UntilAsync(() => loop.Served == first, "the tree is published once the gate lets it through", loop.Diagnostics);
        Assert.Equal(0, loop.Status.Current.ErrorCount);
        // --init-max-failures=0 and still running: holding back is not a failure.
        Assert.False(loop.Run.IsCompleted);
        Assert.Single(gate.Asked.Distinct());
    }

    /// <summary>Never answers; waits for the sync to be cancelled.</summary>
    private sealed class StuckGate : IPublishGate
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "stuck";

        public bool RechecksServedTree => false;

        public bool CanHoldBack => false;

        public async Task CheckAsync(PublishCandidate candidate, CancellationToken ct)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        }
    }

    /// <summary>Holds back the first <c>refusals</c> trees, then lets them through; records the trees it saw.</summary>
    private sealed class RefusingGate(int refusals, TimeSpan retryAfter) : IPublishGate
    {
        private int _refused;

        public System.Collections.Concurrent.ConcurrentQueue<string> Asked { get; } = new();

        public string Name => "refusing";

        public bool RechecksServedTree => false;

        public bool CanHoldBack => true;

        public Task CheckAsync(PublishCandidate candidate, CancellationToken ct)
        {
            Asked.Enqueue(candidate.Worktree);
            if (_refused++ < refusals)
            {
                throw new PublishHeldBackException(Name, candidate.Hash, "refused", "not yet", retryAfter);
            }
            return Task.CompletedTask;
        }
    }
}
