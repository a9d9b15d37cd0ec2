using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GitSync.Logging;
using GitSync.Metrics;
using GitSync.Sync;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GitSync.Http;

/// <summary>
/// The HTTP endpoint (spec §7): <c>/</c> readiness, <c>/metrics</c>, <c>/debug/pprof/</c>; and
/// ours: <c>/livez</c>, <c>/status</c> (<see cref="StatusPage"/>) and <c>/trigger</c>
/// (<see cref="PushTrigger"/>). Served by Kestrel on its own, without the generic host: no
/// dependency injection, configuration or logging stack, only the server, the socket transport and
/// one request handler on the raw request features. The port is reachable by everything in the
/// cluster (and through an Ingress with the trigger), so every resource a client can hold is
/// bounded: header size and time, body rate, idle time, connections (see docs/operations.md).
/// Requests are answered on the thread pool, so a long sync or a hung hook never delays one.
/// </summary>
internal sealed class HttpEndpoint : IAsyncDisposable
{
    /// <summary>Request line (method, path, version): ours are short; longer ones are answered 414.</summary>
    internal const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>Headers in one request; more are answered 431.</summary>
    internal const int MaxHeaderCount = 100;

    /// <summary>A request body (only /trigger reads one) or a response must move at least this fast after a grace period.</summary>
    internal const double MinDataRateBytesPerSecond = 240;

    internal static readonly TimeSpan MinDataRateGrace = TimeSpan.FromSeconds(5);

    private static readonly byte[] Ok = "ok\n"u8.ToArray();
    private static readonly byte[] NotReady = "repo is not ready\n"u8.ToArray();
    private static readonly byte[] NotFound = "404 page not found\n"u8.ToArray();
    private static readonly byte[] MethodNotAllowed = "method not allowed\n"u8.ToArray();
    private const string Text = "text/plain; charset=utf-8";

    private readonly Bind _bind;
    private readonly HttpLimits _limits;
    private readonly SyncStatus _sync;
    private readonly SyncMetrics? _metrics;
    private readonly bool _pprof;
    private readonly StatusPage? _status;
    private readonly PushTrigger? _push;
    private readonly Freshness? _freshness;
    private readonly Log _log;
    private readonly ConnectionGate _gate;
    private readonly CancellationTokenSource _stop = new();
    private KestrelServer? _server;

    public HttpEndpoint(Bind bind, HttpLimits limits, SyncStatus sync, SyncMetrics? metrics, bool pprof, Log log, StatusPage? status = null, PushTrigger? push = null, Freshness? freshness = null)
    {
        _bind = bind;
        _limits = limits;
        _freshness = freshness;
        _sync = sync;
        _metrics = metrics;
        _pprof = pprof;
        _status = status;
        _push = push;
        _log = log;
        _gate = new ConnectionGate(limits.MaxConnections, TimeProvider.System, log);
    }

    /// <summary>Binds and starts serving; a port in use or an unresolvable host throws <see cref="IOException"/>.</summary>
    public async Task StartAsync(CancellationToken cancel)
    {
        var options = new KestrelServerOptions { AddServerHeader = false };
        Configure(options.Limits, _limits);
        void Listen(ListenOptions listen)
        {
            // HTTP/1.1 only: nothing here needs HTTP/2, and each protocol is more code to attack.
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(_gate.Wrap);
        }
        switch (_bind.Host)
        {
            case "*":
                // IPv6 and IPv4 on one dual-mode socket, or IPv4 alone where IPv6 is off.
                options.ListenAnyIP(_bind.Port, Listen);
                break;
            case "localhost":
                options.ListenLocalhost(_bind.Port, Listen);
                break;
            default:
                options.Listen(Address(_bind.Host), _bind.Port, Listen);
                break;
        }
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions { IOQueueCount = 1 }), NullLoggerFactory.Instance);
        _server = new KestrelServer(Options.Create(options), transport, NullLoggerFactory.Instance);
        // A port in use fails here with an IOException naming the address.
        await _server.StartAsync(new Application(this), cancel).ConfigureAwait(false);
    }

    /// <summary>The server's limits: the flags' and the fixed ones (docs/operations.md lists both).</summary>
    internal static void Configure(KestrelServerLimits k, HttpLimits limits)
    {
        k.MaxConcurrentConnections = null; // the ConnectionGate caps connections, with eviction
        k.MaxConcurrentUpgradedConnections = 0;
        k.MaxRequestLineSize = MaxRequestLineBytes;
        k.MaxRequestHeadersTotalSize = limits.MaxHeaderBytes;
        k.MaxRequestHeaderCount = MaxHeaderCount;
        // What Kestrel reads ahead from one connection before its handler asks for more: the
        // largest request head, no more.
        k.MaxRequestBufferSize = Math.Max(MaxRequestLineBytes, limits.MaxHeaderBytes);
        k.MaxResponseBufferSize = 64 * 1024;
        k.RequestHeadersTimeout = limits.HeaderTimeout;
        k.KeepAliveTimeout = limits.KeepAliveTimeout;
        // No endpoint takes a body but /trigger, which raises this for its own requests. A body
        // nobody reads is then not drained after the answer either: Kestrel gives up at once
        // and closes the connection.
        k.MaxRequestBodySize = 0;
        k.MinRequestBodyDataRate = new MinDataRate(MinDataRateBytesPerSecond, MinDataRateGrace);
        k.MinResponseDataRate = new MinDataRate(MinDataRateBytesPerSecond, MinDataRateGrace);
    }

    /// <summary>An address, or the first address of a host name (IPv4 first, as Go's listener does).</summary>
    private static IPAddress Address(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        IPAddress[] resolved;
        try
        {
            resolved = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new IOException($"can't resolve the --http-bind host {host}: {e.Message}", e);
        }
        return resolved.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? resolved.FirstOrDefault()
            ?? throw new IOException($"the --http-bind host {host} has no address");
    }

    private async Task HandleAsync(IFeatureCollection features)
    {
        var exchange = new HttpExchange(features);
        var connection = exchange.ConnectionId;
        _gate.RequestStarted(connection);
        try
        {
            var path = exchange.Path;
            if (path == PushTrigger.Path && _push is not null)
            {
                await _push.HandleAsync(exchange, _stop.Token).ConfigureAwait(false);
                return;
            }
            if (exchange.HasBody)
            {
                // Nothing else takes a body: answer without reading it, then close (no drain).
                exchange.CloseAfterAnswer();
            }
            if (path == "/")
            {
                var ready = _sync.IsReady;
                // Once synced, --max-staleness can still take readiness away until the next success.
                var stale = ready ? _freshness?.StaleReason() : null;
                var body = !ready ? NotReady : stale is null ? Ok : Encoding.UTF8.GetBytes(stale);
                await exchange.AnswerAsync(ready && stale is null ? 200 : 503, Text, body, _stop.Token).ConfigureAwait(false);
            }
            else if (path == Freshness.LivenessPath && _freshness is not null)
            {
                var wedged = _freshness.WedgedReason();
                await exchange.AnswerAsync(wedged is null ? 200 : 503, Text, wedged is null ? Ok : Encoding.UTF8.GetBytes(wedged), _stop.Token).ConfigureAwait(false);
            }
            else if (path == "/metrics" && _metrics is not null)
            {
                exchange.SetStatus(200);
                exchange.ResponseHeaders.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                if (!Microsoft.AspNetCore.Http.HttpMethods.IsHead(exchange.Method))
                {
                    // Streamed as it is rendered (chunked): no buffer the size of the page.
                    await _metrics.Registry.CollectAndExportAsTextAsync(exchange.ResponseStream, _stop.Token).ConfigureAwait(false);
                }
            }
            else if (path == StatusPage.Path && _status is not null)
            {
                if (exchange.Method is "GET" or "HEAD")
                {
                    exchange.ResponseHeaders.CacheControl = "no-store";
                    await exchange.AnswerAsync(200, "application/json", _status.Render(), _stop.Token).ConfigureAwait(false);
                }
                else
                {
                    exchange.ResponseHeaders.Allow = "GET, HEAD";
                    await exchange.AnswerAsync(405, Text, MethodNotAllowed, _stop.Token).ConfigureAwait(false);
                }
            }
            else if (_pprof && (path == "/debug/pprof" || path.StartsWith("/debug/pprof/", StringComparison.Ordinal)))
            {
                await exchange.AnswerAsync(200, Text, Encoding.UTF8.GetBytes(RuntimeDiagnostics()), _stop.Token).ConfigureAwait(false);
            }
            else
            {
                await exchange.AnswerAsync(404, Text, NotFound, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away, or we are stopping.
            if (_log.Enabled(4))
            {
                _log.Info(4, "http request aborted", ("error", e.Message));
            }
        }
        finally
        {
            _gate.RequestEnded(connection);
        }
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
        if (_server is not null)
        {
            // Open connections get a moment to finish their answer, then are closed.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await _server.StopAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            _server.Dispose();
        }
        _stop.Dispose();
    }

    /// <summary>Kestrel's view of us: one handler on the raw features, no per-request context object.</summary>
    private sealed class Application(HttpEndpoint endpoint) : IHttpApplication<IFeatureCollection>
    {
        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context) => endpoint.HandleAsync(context);

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }
}
