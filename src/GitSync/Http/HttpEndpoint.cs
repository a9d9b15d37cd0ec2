using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using GitSync.Logging;
using GitSync.Sync;

namespace GitSync.Http;

/// <summary>
/// The HTTP endpoint (spec §7): <c>/</c> readiness, <c>/metrics</c>, <c>/debug/pprof/</c>; and
/// ours: <c>/status</c> (<see cref="StatusPage"/>) and <c>/trigger</c> (<see cref="PushTrigger"/>).
/// Served by the framework's small HttpListener, on its own tasks, so a long sync or a hung hook
/// never delays an answer.
/// </summary>
internal sealed class HttpEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly SyncStatus _sync;
    private readonly SyncMetrics? _metrics;
    private readonly bool _pprof;
    private readonly StatusPage? _status;
    private readonly PushTrigger? _push;
    private readonly Trust.Freshness? _freshness;
    private readonly Log _log;
    private readonly CancellationTokenSource _stop = new();
    private Task? _serving;

    public HttpEndpoint(Bind bind, SyncStatus sync, SyncMetrics? metrics, bool pprof, Log log, StatusPage? status = null, PushTrigger? push = null, Trust.Freshness? freshness = null)
    {
        _freshness = freshness;
        _sync = sync;
        _metrics = metrics;
        _pprof = pprof;
        _status = status;
        _push = push;
        _log = log;
        var port = bind.Port.ToString(CultureInfo.InvariantCulture);
        foreach (var name in HostNames(bind.Host))
        {
            _listener.Prefixes.Add($"http://{name}:{port}/");
        }
    }

    /// <summary>
    /// HttpListener routes on the Host header, so a loopback bind must also accept the names a
    /// local client uses for it (<c>curl localhost:PORT</c> against <c>--http-bind=127.0.0.1:PORT</c>).
    /// </summary>
    private static IEnumerable<string> HostNames(string host)
    {
        string[] loopback = ["127.0.0.1", "localhost"];
        if (host is "::1" or "[::1]")
        {
            return ["[::1]", "localhost"];
        }
        return loopback.Contains(host) ? loopback : [host.Contains(':') ? "[" + host + "]" : host];
    }

    public void Start()
    {
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            if (path == "/")
            {
                var ready = _sync.IsReady;
                // Once synced, --max-staleness can still take readiness away until the next success.
                var stale = ready ? _freshness?.StaleReason() : null;
                await WriteTextAsync(response, ready && stale is null ? 200 : 503, !ready ? "repo is not ready\n" : stale ?? "ok\n").ConfigureAwait(false);
            }
            else if (path == Trust.Freshness.LivenessPath && _freshness is not null)
            {
                var wedged = _freshness.WedgedReason();
                await WriteTextAsync(response, wedged is null ? 200 : 503, wedged ?? "ok\n").ConfigureAwait(false);
            }
            else if (path == "/metrics" && _metrics is not null)
            {
                response.StatusCode = 200;
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                using var buffer = new MemoryStream();
                await _metrics.Registry.CollectAndExportAsTextAsync(buffer, _stop.Token).ConfigureAwait(false);
                response.ContentLength64 = buffer.Length;
                buffer.Position = 0;
                await buffer.CopyToAsync(response.OutputStream, _stop.Token).ConfigureAwait(false);
            }
            else if (path == PushTrigger.Path && _push is not null)
            {
                await _push.HandleAsync(context, _stop.Token).ConfigureAwait(false);
            }
            else if (path == StatusPage.Path && _status is not null)
            {
                if (context.Request.HttpMethod is "GET" or "HEAD")
                {
                    var bytes = _status.Render();
                    response.StatusCode = 200;
                    response.ContentType = "application/json";
                    response.AddHeader("Cache-Control", "no-store");
                    response.ContentLength64 = bytes.Length;
                    if (context.Request.HttpMethod == "GET")
                    {
                        await response.OutputStream.WriteAsync(bytes, _stop.Token).ConfigureAwait(false);
                    }
                }
                else
                {
                    response.AddHeader("Allow", "GET, HEAD");
                    await WriteTextAsync(response, 405, "method not allowed\n").ConfigureAwait(false);
                }
            }
            else if (_pprof && (path == "/debug/pprof" || path.StartsWith("/debug/pprof/", StringComparison.Ordinal)))
            {
                await WriteTextAsync(response, 200, RuntimeDiagnostics()).ConfigureAwait(false);
            }
            else
            {
                await WriteTextAsync(response, 404, "404 page not found\n").ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            _log.Info(4, "http request aborted", ("error", e.Message));
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // The client went away.
            }
        }
    }

    private static async Task WriteTextAsync(HttpListenerResponse response, int status, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
    }

    /// <summary>What <c>/debug/pprof/</c> serves: the .NET runtime's own view of the process.</summary>
    internal static string RuntimeDiagnostics()
    {
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        var sb = new StringBuilder();
        sb.AppendLine("git-sync runtime diagnostics (.NET)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"uptime_seconds: {(DateTime.Now - process.StartTime).TotalSeconds:F1}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"working_set_bytes: {process.WorkingSet64}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"private_memory_bytes: {process.PrivateMemorySize64}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"cpu_seconds_total: {process.TotalProcessorTime.TotalSeconds:F3}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"threads: {process.Threads.Count}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"threadpool_threads: {ThreadPool.ThreadCount}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"threadpool_pending_work_items: {ThreadPool.PendingWorkItemCount}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"gc_heap_size_bytes: {GC.GetTotalMemory(false)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"gc_total_allocated_bytes: {GC.GetTotalAllocatedBytes()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"gc_committed_bytes: {gc.TotalCommittedBytes}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"gc_fragmented_bytes: {gc.FragmentedBytes}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"gc_pause_time_percentage: {gc.PauseTimePercentage}");
        for (var g = 0; g <= GC.MaxGeneration; g++)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"gc_collections_gen{g}: {GC.CollectionCount(g)}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"open_handles: {process.HandleCount}");
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        if (_serving is not null)
        {
            await _serving.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
