using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using GitSync.Logging;
using GitSync.Metrics;
using Microsoft.AspNetCore.Http;

namespace GitSync.Http;

/// <summary>
/// Fan-out of push deliveries to the other replicas (<c>--push-trigger-peers</c>). A Service
/// hands each webhook to one pod; the replica that accepted it — after the whole verification
/// of <see cref="PushTrigger"/> — passes it on to every peer address but its own, with the
/// original credential headers, event headers and body unchanged, so that each peer verifies it
/// exactly as it would the git host's request and decides for itself whether it moves its ref.
/// Each forward carries <see cref="MarkerHeader"/> with this process's random instance id: a
/// forwarded request is never forwarded again, and one that comes back here is recognised. The
/// marker is read only after a request has been authenticated, so it opens nothing.
/// <para>
/// Nothing here is on the answer's path: <see cref="Forward"/> only queues (a bounded queue; a
/// delivery that finds it full is dropped and counted), and a background loop resolves the peer
/// names (at every forward: a headless Service's answer follows the pods) and sends, with a
/// short timeout and a bounded number of requests in flight. Every outcome is counted in
/// <c>git_sync_push_trigger_forwards_total{result}</c>; failures are logged, never a header.
/// </para>
/// </summary>
internal sealed class PeerForwarder : IAsyncDisposable
{
    /// <summary>Marks a forwarded request; its value is the instance id of the replica that forwarded it.</summary>
    public const string MarkerHeader = "X-Git-Sync-Forwarded";

    /// <summary>The whole of one forward: connection, request, answer. Peers answer in milliseconds.</summary>
    internal static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Resolving one peer name.</summary>
    internal static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Deliveries waiting to be fanned out; pushes come seconds apart, so this is only reached by a flood.</summary>
    internal const int QueuedDeliveries = 16;

    /// <summary>Forwards in flight at once, over all peers: a dead peer holds one for the timeout at most.</summary>
    internal const int ConcurrentForwards = 32;

    /// <summary>The most of a peer's answer that is read (ours are a few dozen bytes).</summary>
    private const int MaxAnswerBytes = 4096;

    /// <summary>
    /// What a peer needs to judge the delivery exactly as the git host's: every credential, the
    /// event, and the body's type (GitHub may send a form-encoded payload).
    /// </summary>
    internal static readonly string[] CarriedHeaders =
        ["X-Hub-Signature-256", "X-Gitlab-Token", "Authorization", .. PushPayload.EventHeaders, "Content-Type"];

    private readonly IReadOnlyList<PeerAddress> _peers;
    private readonly OwnEndpoints _own;
    private readonly SyncMetrics? _metrics;
    private readonly Log _log;
    private readonly HttpClient _http;
    private readonly Channel<Delivery> _queue = Channel.CreateBounded<Delivery>(
        new BoundedChannelOptions(QueuedDeliveries) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly SemaphoreSlim _slots = new(ConcurrentForwards, ConcurrentForwards);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PeerForwarder(IReadOnlyList<PeerAddress> peers, OwnEndpoints own, SyncMetrics? metrics, Log log)
    {
        _peers = peers;
        _own = own;
        _metrics = metrics;
        _log = log;
        // OutboundHttp's rules (no redirects, no cookies, each call bounded by its own token),
        // and no proxy: the requests carry the webhook's credentials and are meant for pod
        // addresses, never for an HTTP(S)_PROXY from the environment.
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = ForwardTimeout,
            // Below the peers' keep-alive (75 s by default), so a pooled connection is not
            // reused just as the peer closes it.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
            MaxResponseHeadersLength = 16,
            MaxConnectionsPerServer = 4,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("git-sync-push-trigger-forward");
        _loop = Task.Run(RunAsync);
        log.Info(1, "push trigger forwards to peers", ("peers", string.Join(",", peers)), ("instance", InstanceId));
    }

    /// <summary>This process's marker value: random, so a restarted replica is a new instance.</summary>
    public string InstanceId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// The marker as it may be logged: an instance id is 32 lowercase hex digits, and anything
    /// else (sent by whoever holds a valid credential) is shown as <c>invalid</c>, never echoed.
    /// </summary>
    public static string Shown(string marker)
        => marker.Length == 32 && marker.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') ? marker : "invalid";

    /// <summary>A marker of ours: the request is our own forward, come back through an address not known to be ours.</summary>
    public bool IsOwn(string marker) => string.Equals(marker, InstanceId, StringComparison.Ordinal);

    /// <summary>
    /// Queues an authenticated delivery for every peer and returns at once. The headers are copied
    /// now (the request's objects are reused once it is answered); the body is the request's own
    /// buffer, which nothing else writes to.
    /// </summary>
    public void Forward(IHeaderDictionary headers, ReadOnlyMemory<byte> body)
    {
        var carried = new List<KeyValuePair<string, string>>(4);
        foreach (var name in CarriedHeaders)
        {
            if (headers.TryGetValue(name, out var values) && values.Count == 1 && values[0] is { } value)
            {
                carried.Add(new(name, value));
            }
        }
        if (!_queue.Writer.TryWrite(new Delivery(carried, body)))
        {
            _metrics?.PushTriggerForward("dropped");
            _log.Error($"{QueuedDeliveries} deliveries are already waiting", "push trigger forward dropped");
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var delivery in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await FanOutAsync(delivery).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Resolves every peer entry at once and starts one forward per address that is not ours as
    /// soon as its entry has resolved (a name that does not answer holds back only its own
    /// addresses); waits only for a free slot, never for an answer.
    /// </summary>
    private async Task FanOutAsync(Delivery delivery)
    {
        var started = new HashSet<IPEndPoint>();
        await Task.WhenAll(_peers.Select(async peer =>
        {
            foreach (var address in await ResolveAsync(peer).ConfigureAwait(false))
            {
                var target = new IPEndPoint(OwnEndpoints.Normalize(address), peer.Port);
                if (_own.Contains(target))
                {
                    continue;
                }
                lock (started)
                {
                    // Two entries may name the same pod: it gets the delivery once.
                    if (!started.Add(target))
                    {
                        continue;
                    }
                }
                await _slots.WaitAsync(_stop.Token).ConfigureAwait(false);
                _ = SendAsync(target, delivery);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>The addresses of one peer entry now; none (counted, logged) when its name does not resolve in time.</summary>
    private async Task<IPAddress[]> ResolveAsync(PeerAddress peer)
    {
        if (peer.Literal is { } literal)
        {
            return [literal];
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(peer.Host, AddressFamily.Unspecified, timeout.Token)
                .WaitAsync(timeout.Token).ConfigureAwait(false);
            // A dual-stack Service names every pod by an IPv4 and an IPv6 address: one family
            // reaches each pod once.
            if (addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork) && addresses.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6))
            {
                addresses = [.. addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork)];
            }
            return addresses;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            if (_stop.IsCancellationRequested)
            {
                return [];
            }
            _metrics?.PushTriggerForward("unresolved");
            _log.Error(e is SocketException ? e.Message : $"no answer within {ResolveTimeout.TotalSeconds:0}s", "push trigger peer not resolved", ("peer", peer.ToString()));
            return [];
        }
    }

    /// <summary>One forward: the delivery as received, plus the marker. Releases its slot when done.</summary>
    private async Task SendAsync(IPEndPoint target, Delivery delivery)
    {
        string result;
        string? problem = null;
        var status = 0;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(ForwardTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, new UriBuilder(Uri.UriSchemeHttp, target.Address.ToString(), target.Port, PushTrigger.Path).Uri)
            {
                Content = new ReadOnlyMemoryContent(delivery.Body),
            };
            foreach (var (name, value) in delivery.Headers)
            {
                if (name == "Content-Type")
                {
                    request.Content.Headers.TryAddWithoutValidation(name, value);
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }
            request.Headers.TryAddWithoutValidation(MarkerHeader, InstanceId);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            await DrainAsync(response, timeout.Token).ConfigureAwait(false);
            result = status is >= 200 and < 300 ? "delivered" : "rejected";
            if (result == "rejected")
            {
                problem = $"the peer answered {status}";
            }
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            result = "timeout";
            problem = $"no answer within {ForwardTimeout.TotalSeconds:0}s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Refused or reset connections, a malformed answer, a header the client will not
            // send: all the same to the fan-out, and never an unobserved task.
            result = "error";
            problem = e.Message;
        }
        catch (OperationCanceledException)
        {
            // Stopping: not an outcome.
            return;
        }
        finally
        {
            _slots.Release();
        }
        _metrics?.PushTriggerForward(result);
        if (problem is not null)
        {
            _log.Error(problem, "push trigger forward failed", ("peer", target.ToString()), ("result", result));
        }
        else if (_log.Enabled(2))
        {
            _log.Info(2, "push trigger forwarded", ("peer", target.ToString()), ("status", status));
        }
    }

    /// <summary>Reads what is left of a (small) answer so the connection can carry the next forward; a long one is cut off with its connection.</summary>
    private static async Task DrainAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[512];
            var total = 0;
            int n;
            while (total < MaxAnswerBytes && (n = await stream.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
            {
                total += n;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        // Forwards in flight end at the cancellation; wait for their slots, briefly.
        for (var i = 0; i < ConcurrentForwards; i++)
        {
            if (!await _slots.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
            {
                break;
            }
        }
        _http.Dispose();
        _stop.Dispose();
    }

    /// <summary>An authenticated delivery as it arrived: the headers that matter and the raw body.</summary>
    private sealed record Delivery(IReadOnlyList<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body);
}
