using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace GitSync.Tests.Http;

/// <summary>An answer of /trigger or /status: status code, body, and the JSON "result" when there is one.</summary>
public sealed record TriggerAnswer(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Result
    {
        get
        {
            try
            {
                using var doc = JsonDocument.Parse(Body);
                return doc.RootElement.TryGetProperty("result", out var r) ? r.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public override string ToString() => $"{Status} {Body.Trim()}";

    /// <summary>Response and content headers by name (case-insensitive), values joined by ", ".</summary>
    internal static async Task<TriggerAnswer> FromAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }

        return new TriggerAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false), headers);
    }
}

/// <summary>Sends requests the way GitHub, GitLab and a CI job do, to git-sync's real endpoint (on <paramref name="host"/>, 127.0.0.1 unless said).</summary>
public sealed class TriggerClient(int port, string host = "127.0.0.1") : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) }) { Timeout = TimeSpan.FromSeconds(20) };

    public Uri TriggerUri { get; } = new($"http://{host}:{port}/trigger");

    public Uri StatusUri { get; } = new($"http://{host}:{port}/status");

    /// <summary>A GitHub push delivery: JSON body, event header, X-Hub-Signature-256 made with <paramref name="secret"/>.</summary>
    public Task<TriggerAnswer> GitHubAsync(string body, string? secret, string eventName = "push", string? signature = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerUri) { Content = Json(bytes) };
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        if (signature is not null || secret is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", signature ?? PushPayloads.Signature(secret!, bytes));
        }

        return SendAsync(request);
    }

    /// <summary>A GitLab push hook: JSON body with X-Gitlab-Token.</summary>
    public Task<TriggerAnswer> GitLabAsync(string body, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerUri) { Content = Json(Encoding.UTF8.GetBytes(body)) };
        request.Headers.Add("X-Gitlab-Event", "Push Hook");
        request.Headers.Add("X-Gitlab-Token", token);
        return SendAsync(request);
    }

    /// <summary>A generic caller: an empty POST with Authorization: Bearer.</summary>
    public Task<TriggerAnswer> BearerAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerUri) { Content = new ByteArrayContent([]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return SendAsync(request);
    }

    public Task<TriggerAnswer> SendAsync(HttpMethod method, HttpContent? content = null, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, TriggerUri) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return SendAsync(request);
    }

    public async Task<TriggerAnswer> StatusAsync()
    {
        using HttpResponseMessage response = await _http.GetAsync(StatusUri).ConfigureAwait(false);
        return await TriggerAnswer.FromAsync(response).ConfigureAwait(false);
    }

    /// <summary>GET /status parsed.</summary>
    public async Task<JsonElement> StatusJsonAsync()
    {
        TriggerAnswer answer = await StatusAsync().ConfigureAwait(false);
        using var doc = JsonDocument.Parse(answer.Body);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// Sends headers announcing <paramref name="declaredLength"/> body bytes, then only
    /// <paramref name="sent"/>, then closes the sending side: a delivery cut off in transit.
    /// Returns the raw answer (empty if the server just dropped the connection).
    /// </summary>
    public static async Task<string> TruncatedAsync(int port, IReadOnlyDictionary<string, string> headers, byte[] sent, int declaredLength)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
        NetworkStream stream = tcp.GetStream();
        var head = new StringBuilder();
        head.Append("POST /trigger HTTP/1.1\r\n");
        head.Append("Host: 127.0.0.1:").Append(port).Append("\r\n");
        head.Append("Content-Type: application/json\r\n");
        foreach ((string name, string value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(declaredLength).Append("\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
        await stream.WriteAsync(sent).ConfigureAwait(false);
        tcp.Client.Shutdown(SocketShutdown.Send);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var answer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(answer, deadline.Token).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Reset by the server: no answer.
        }

        return Encoding.UTF8.GetString(answer.ToArray());
    }

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent Json(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<TriggerAnswer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using HttpResponseMessage response = await _http.SendAsync(request).ConfigureAwait(false);
            return await TriggerAnswer.FromAsync(response).ConfigureAwait(false);
        }
    }
}
