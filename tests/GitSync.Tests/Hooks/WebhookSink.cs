using System.Diagnostics;
using System.Net;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Hooks;

/// <summary>One webhook call as the sink saw it, and the status it answered.</summary>
public sealed record WebhookHit(int Number, string Method, string? Hash, int AnsweredStatus, TimeSpan At);

/// <summary>
/// A real HTTP server on 127.0.0.1 (System.Net.HttpListener) standing in for the service a
/// webhook notifies: it records every call (method, <c>Gitsync-Hash</c> header) and answers
/// <see cref="Status"/>, or whatever <see cref="StatusFor"/> says for the n-th call (from 1).
/// </summary>
public sealed class WebhookSink : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly List<WebhookHit> _hits = [];
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private WebhookSink(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>What every call is answered (unless <see cref="StatusFor"/> is set).</summary>
    public int Status { get; set; } = 200;

    /// <summary>Answers by call number (1-based), for scripted sequences such as 500, 500, 200.</summary>
    public Func<int, int>? StatusFor { get; set; }

    /// <summary>How long to sit on each call before answering (a slow or hung service).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public IReadOnlyList<WebhookHit> Hits
    {
        get
        {
            lock (_gate)
            {
                return [.. _hits];
            }
        }
    }

    public int Count => Hits.Count;

    /// <summary>Time since the sink started, on the clock <see cref="WebhookHit.At"/> uses.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public static WebhookSink Start()
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = Ports.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new WebhookSink(listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Someone took the port between probing and binding; try another.
                listener.Close();
            }
        }
    }

    /// <summary>What the hits looked like, for assertion messages.</summary>
    public string Describe() =>
        $"webhook sink on {Url}: {Count} hit(s)\n" + string.Join('\n', Hits.Select(h =>
            $"  #{h.Number} {h.Method} Gitsync-Hash={h.Hash ?? "(none)"} -> {h.AnsweredStatus} at {h.At.TotalSeconds:0.00}s"));

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
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

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        int status;
        lock (_gate)
        {
            int number = _hits.Count + 1;
            status = StatusFor?.Invoke(number) ?? Status;
            _hits.Add(new WebhookHit(number, context.Request.HttpMethod, context.Request.Headers["Gitsync-Hash"], status, _clock.Elapsed));
        }

        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay).ConfigureAwait(false);
            }

            await context.Request.InputStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
            context.Response.StatusCode = status;
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // git-sync gave up on the call (its webhook timeout); the hit is recorded all the same.
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
