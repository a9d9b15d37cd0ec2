using System.Net;
using System.Text;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.TestServers;

/// <summary>One request as the fake saw it.</summary>
public sealed record FakeRequest(int Number, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>What the fake answers.</summary>
public sealed record FakeResponse(int Status, string Body, string ContentType = "text/plain")
{
    public static FakeResponse Ok(string body) => new(200, body);
}

/// <summary>
/// A tiny real HTTP server on 127.0.0.1 (System.Net.HttpListener) answering every request with
/// a handler: the askpass service and the GitHub API in the auth tests. Requests are numbered
/// from 1 in arrival order, so handlers can script sequences (wrong, right, 503, …).
/// </summary>
public sealed class FakeHttpService : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<FakeRequest, FakeResponse> _handler;
    private readonly Task _loop;
    private readonly List<FakeRequest> _requests = [];
    private readonly Lock _gate = new();

    private FakeHttpService(HttpListener listener, int port, Func<FakeRequest, FakeResponse> handler)
    {
        _listener = listener;
        Port = port;
        _handler = handler;
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/";

    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts on <paramref name="port"/> (default: a free one).</summary>
    public static FakeHttpService Start(Func<FakeRequest, FakeResponse> handler, int? port = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            int chosen = port ?? Ports.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{chosen}/");
            try
            {
                listener.Start();
                return new FakeHttpService(listener, chosen, handler);
            }
            catch (HttpListenerException) when (port is null && attempt < 3)
            {
                listener.Close();
            }
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

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

            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = reader.ReadToEnd();
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string? key in context.Request.Headers.AllKeys)
            {
                if (key is not null)
                {
                    headers[key] = context.Request.Headers[key] ?? "";
                }
            }

            FakeRequest request;
            lock (_gate)
            {
                request = new FakeRequest(_requests.Count + 1, context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? "/", headers, body);
                _requests.Add(request);
            }

            FakeResponse response;
            try
            {
                response = _handler(request);
            }
            catch (Exception e)
            {
                response = new FakeResponse(500, "fake handler failed: " + e.Message);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            context.Response.ContentLength64 = bytes.Length;
            context.Response.OutputStream.Write(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The client went away or the fake is shutting down.
        }
    }
}
