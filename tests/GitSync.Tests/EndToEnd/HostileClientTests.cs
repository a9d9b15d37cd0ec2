using System.Diagnostics;
using System.Text;
using GitSync.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.EndToEnd;

/// <summary>
/// Clients that try to exhaust the HTTP port, on raw sockets against the real binary: requests
/// that never end, headers sent a byte at a time, bodies announced and trickled, more connections
/// than the cap. Each must be cut off while readiness keeps answering and memory, threads and
/// descriptors stay bounded. The bounds are generous (the machine is shared); the failures they
/// guard against are an order of magnitude larger.
/// </summary>
public sealed class HostileClientTests(ITestOutputHelper output) : EndToEndTest(output)
{
    /// <summary>Readiness answers in milliseconds; the bound allows for a shared, loaded 2-core machine.</summary>
    private static readonly TimeSpan ProbeBound = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData("request line", "GET /")]
    [InlineData("header line", "GET / HTTP/1.1\r\nHost: git-sync\r\nX-Endless: ")]
    public async Task An_endless_line_is_cut_off_without_memory_growing(string what, string start)
    {
        (GitSyncProcess p, int port) = await StartReadyAsync();
        long before = ProcStatus.Rss(p.Pid);

        using var rss = new PeakSampler(() => ProcStatus.Rss(p.Pid));
        using RawConnection client = await RawConnection.OpenAsync(port);
        await client.SendAsync(start);
        byte[] chunk = Encoding.ASCII.GetBytes(new string('A', 64 * 1024));
        long sent = 0;
        // Up to 48 MiB, as long as the server keeps reading.
        while (sent < 48L * 1024 * 1024 && await client.TrySendAsync(chunk))
        {
            sent += chunk.Length;
        }

        Assert.True(await client.ClosedByServerAsync(TimeSpan.FromSeconds(20)), $"the {what} was not cut off after {sent} bytes\n{p.Diagnostics()}");
        string answer = client.Received;
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 4", StringComparison.Ordinal), $"{what}: {answer}");
        Assert.True(sent < 8L * 1024 * 1024, $"the server read {sent} bytes of an endless {what}");
        long growth = rss.Peak - before;
        Assert.True(growth < 8L * 1024 * 1024, $"RSS grew by {growth / 1024} KiB during an endless {what}\n{p.Diagnostics()}");
        Assert.Equal(200, (await Probe.ReadinessAsync(port)).Status);
    }

    [Fact]
    public async Task Slowloris_connections_are_closed_by_the_header_timeout_while_readiness_answers()
    {
        (GitSyncProcess p, int port) = await StartReadyAsync("--http-header-timeout=2s");
        var clock = Stopwatch.StartNew();
        List<RawConnection> lorises = [];
        try
        {
            for (int i = 0; i < 40; i++)
            {
                RawConnection loris = await RawConnection.OpenAsync(port);
                lorises.Add(loris);
                await loris.SendAsync("GET / HTTP/1.1\r\nHost: git-sync\r\nX-Slow: ");
            }

            // One more header byte from every connection every 300 ms: never a whole request.
            using var stop = new CancellationTokenSource();
            Task trickle = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (RawConnection loris in lorises)
                    {
                        await loris.TrySendAsync("a"u8.ToArray());
                    }

                    await Task.Delay(300);
                }
            });

            TimeSpan slowest = TimeSpan.Zero;
            for (int i = 0; i < 10; i++)
            {
                (int status, TimeSpan took) = await Probe.ReadinessAsync(port);
                Assert.True(status == 200, $"readiness answered {status} during the slowloris\n{p.Diagnostics()}");
                slowest = took > slowest ? took : slowest;
                await Task.Delay(100);
            }

            Assert.True(slowest < ProbeBound, $"readiness took {slowest.TotalMilliseconds:F0} ms during the slowloris");

            var open = new List<RawConnection>(lorises);
            await Poll.UntilAsync(
                async () =>
                {
                    foreach (RawConnection loris in open.ToList())
                    {
                        if (await loris.ClosedByServerAsync(TimeSpan.FromMilliseconds(10)))
                        {
                            open.Remove(loris);
                        }
                    }

                    return open.Count == 0;
                },
                TimeSpan.FromSeconds(30),
                "every slowloris connection is closed",
                () => $"{open.Count} still open after {clock.Elapsed.TotalSeconds:F1}s\n{p.Diagnostics()}");
            // Closed by the timeout, not refused on arrival.
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"closed after {clock.Elapsed.TotalSeconds:F1}s");
            await stop.CancelAsync();
            await trickle;
        }
        finally
        {
            lorises.ForEach(l => l.Dispose());
        }
    }

    [Fact]
    public async Task Slow_bodies_on_readiness_add_no_threads_and_are_not_drained()
    {
        (GitSyncProcess p, int port) = await StartReadyAsync();
        // Let start-up threads settle.
        await Task.Delay(500);
        int before = ProcStatus.Threads(p.Pid);
        using var threads = new PeakSampler(() => ProcStatus.Threads(p.Pid));
        List<RawConnection> clients = [];
        try
        {
            for (int i = 0; i < 12; i++)
            {
                RawConnection client = await RawConnection.OpenAsync(port);
                clients.Add(client);
                await client.SendAsync("GET / HTTP/1.1\r\nHost: git-sync\r\nContent-Length: 100000000\r\n\r\nx");
            }

            using var stop = new CancellationTokenSource();
            Task trickle = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (RawConnection client in clients)
                    {
                        await client.TrySendAsync("x"u8.ToArray());
                    }

                    await Task.Delay(100);
                }
            });

            foreach (RawConnection client in clients)
            {
                // Answered, then closed while the client is still sending its body: no drain.
                Assert.True(await client.ClosedByServerAsync(TimeSpan.FromSeconds(10)), $"a connection with an unread body stayed open\n{p.Diagnostics()}");
                Assert.StartsWith("HTTP/1.1 200", client.Received, StringComparison.Ordinal);
            }

            (int status, TimeSpan took) = await Probe.ReadinessAsync(port);
            Assert.Equal(200, status);
            Assert.True(took < ProbeBound, $"readiness took {took.TotalMilliseconds:F0} ms");
            await stop.CancelAsync();
            await trickle;
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        // A drain that blocks a thread per connection added 10 threads for these 12 connections;
        // a little headroom is left for the thread pool's own adjustments on a loaded machine.
        Assert.True(threads.Peak <= before + 4, $"threads went from {before} to {threads.Peak}");
    }

    [Fact]
    public async Task Connections_over_the_cap_are_refused_without_locking_out_probes()
    {
        (GitSyncProcess p, int port) = await StartReadyAsync("--http-max-connections=16");
        int filesBefore = ProcStatus.OpenFiles(p.Pid);
        List<RawConnection> clients = [];
        try
        {
            for (int i = 0; i < 48; i++)
            {
                clients.Add(await RawConnection.OpenAsync(port));
            }

            // The server keeps at most 16: the others are closed at once.
            var closed = new HashSet<RawConnection>();
            await Poll.UntilAsync(
                async () =>
                {
                    foreach (RawConnection client in clients.Except(closed).ToList())
                    {
                        if (await client.ClosedByServerAsync(TimeSpan.FromMilliseconds(10)))
                        {
                            closed.Add(client);
                        }
                    }

                    return closed.Count >= 32;
                },
                TimeSpan.FromSeconds(20),
                "connections over the cap are closed",
                () => $"{closed.Count} of 48 closed\n{p.Diagnostics()}");
            Assert.True(ProcStatus.OpenFiles(p.Pid) <= filesBefore + 16 + 4, $"{ProcStatus.OpenFiles(p.Pid)} open files, {filesBefore} before");

            // Idle connections hold every slot; a probe still gets in (it takes the slot of one
            // that waited longest for a request), each time.
            await Task.Delay(ConnectionGraceForTests);
            for (int i = 0; i < 5; i++)
            {
                (int status, TimeSpan took) = await Probe.ReadinessAsync(port);
                Assert.True(status == 200, $"probe {i} answered {status} with every slot held\n{p.Diagnostics()}");
                Assert.True(took < ProbeBound, $"probe {i} took {took.TotalMilliseconds:F0} ms");
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>How long a connection must wait for a request before a newcomer may take its slot (1 s), with margin.</summary>
    private static readonly TimeSpan ConnectionGraceForTests = TimeSpan.FromSeconds(1.2);

    private async Task<(GitSyncProcess Process, int Port)> StartReadyAsync(params string[] extra)
    {
        TestRepo repo = NewRepo();
        repo.Commit("file", "v1");
        string root = NewDir().Path;
        int port = Ports.Free();
        GitSyncProcess p = Start(Args(repo, root, ["--link=link", "--period=1h", $"--http-bind=127.0.0.1:{port}", .. extra]));
        await Poll.UntilAsync(async () => await MetricsScraper.StatusAsync(port) == 200, "git-sync is ready", p.Diagnostics);
        return (p, port);
    }
}
