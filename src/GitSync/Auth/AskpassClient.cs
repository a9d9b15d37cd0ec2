using System.Net;

namespace GitSync.Auth;

/// <summary>
/// <c>--askpass-url</c>: a GET before every sync whose 200 answer carries <c>username=…</c> and
/// <c>password=…</c> lines (git's credential format). Anything else fails that sync.
/// </summary>
internal sealed class AskpassClient(HttpClient http, string url)
{
    /// <summary>
    /// Upstream allows one second; a little more keeps a busy credential service from failing
    /// syncs, and the sync timeout still bounds it.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<(string Username, string Password)> FetchAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(new Uri(url), HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"can't call --askpass-url {url}: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"--askpass-url {url} did not answer within {Timeout.TotalSeconds:0}s");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // A non-200 body is an error message, not credentials; keep it short.
                var excerpt = body.Length > 200 ? body[..200] + "..." : body;
                throw new InvalidOperationException($"--askpass-url {url} answered {(int)response.StatusCode}: {excerpt.Trim()}");
            }
            return Parse(body) ?? throw new InvalidOperationException(
                $"--askpass-url {url} answered 200 without both username=... and password=... lines");
        }
    }

    /// <summary>The username and password of a <c>key=value</c> body, or null when either is missing.</summary>
    public static (string Username, string Password)? Parse(string body)
    {
        string? username = null;
        string? password = null;
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            switch (line[..eq])
            {
                case "username":
                    username = line[(eq + 1)..];
                    break;
                case "password":
                    password = line[(eq + 1)..];
                    break;
            }
        }
        return username is null || password is null ? null : (username, password);
    }
}
