using System.Diagnostics;
using Xunit.Sdk;

namespace GitSync.Tests.Infrastructure;

/// <summary>Waits for a state by polling with a deadline; tests never sleep to wait for a state.</summary>
public static class Poll
{
    /// <summary>Generous enough for a loaded 2-core CI machine; a passing wait returns as soon as the state holds.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    public static Task UntilAsync(Func<bool> condition, TimeSpan deadline, string what, Func<string>? context = null) =>
        UntilAsync(() => Task.FromResult(condition()), deadline, what, context);

    public static Task UntilAsync(Func<bool> condition, string what, Func<string>? context = null) =>
        UntilAsync(condition, DefaultDeadline, what, context);

    public static Task UntilAsync(Func<Task<bool>> condition, string what, Func<string>? context = null) =>
        UntilAsync(condition, DefaultDeadline, what, context);

    /// <summary>
    /// Polls <paramref name="condition"/> every 25 ms until it returns true; fails the test with
    /// <paramref name="what"/>, the last exception thrown by the condition (if any) and
    /// <paramref name="context"/> (typically git-sync's stderr tail) when the deadline passes.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, Func<string>? context = null)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }

                last = null;
            }
            catch (Exception ex) when (ex is not XunitException)
            {
                last = ex;
            }

            if (clock.Elapsed > deadline)
            {
                string message = $"timed out after {deadline.TotalSeconds:0.#}s waiting until {what}";
                if (last is not null)
                {
                    message += $"\nlast error: {last.GetType().Name}: {last.Message}";
                }

                if (context is not null)
                {
                    message += "\n" + context();
                }

                throw new XunitException(message);
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }
    }
}
