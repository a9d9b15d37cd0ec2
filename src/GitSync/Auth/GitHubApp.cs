using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GitSync.Auth;

/// <summary>An installation access token and when it stops working.</summary>
internal sealed record GitHubAppToken(string Token, DateTimeOffset ExpiresAt)
{
    /// <summary>Renewed when it expires within this window (upstream's margin).</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(30);

    public bool NeedsRefresh(DateTimeOffset now) => ExpiresAt - now < RefreshMargin;
}

/// <summary>
/// GitHub App authentication: an RS256 JWT signed with the app's private key buys an
/// installation access token from <c>POST {base}/app/installations/{id}/access_tokens</c>; git
/// then uses the token as the password of user <c>-</c>.
/// </summary>
internal sealed class GitHubApp(HttpClient http, AuthOptions auth, TimeProvider time)
{
    /// <summary>Username stored with the token; GitHub ignores it, git needs one.</summary>
    public const string Username = "-";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public string Issuer => auth.GitHubAppClientId ?? auth.GitHubAppApplicationId.ToString(CultureInfo.InvariantCulture);

    public Uri TokenEndpoint
    {
        get
        {
            var baseUrl = auth.GitHubBaseUrl.EndsWith('/') ? auth.GitHubBaseUrl : auth.GitHubBaseUrl + "/";
            return new Uri(new Uri(baseUrl), $"app/installations/{auth.GitHubAppInstallationId.ToString(CultureInfo.InvariantCulture)}/access_tokens");
        }
    }

    /// <summary>Signs a fresh JWT and exchanges it for an installation token.</summary>
    /// <param name="onJwt">Called with the JWT before it is sent (to register it for redaction).</param>
    public async Task<GitHubAppToken> RequestTokenAsync(Action<string> onJwt, CancellationToken ct)
    {
        string jwt;
        using (var rsa = LoadKey())
        {
            jwt = Jwt.SignRs256(rsa, Issuer, time.GetUtcNow());
        }
        onJwt(jwt);

        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        // GitHub's API refuses requests without a User-Agent.
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("git-sync", "4"));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"can't reach the GitHub App token endpoint {TokenEndpoint}: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the GitHub App token endpoint {TokenEndpoint} did not answer within {RequestTimeout.TotalSeconds:0}s");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                var excerpt = body.Length > 300 ? body[..300] + "..." : body;
                throw new InvalidOperationException($"the GitHub App token endpoint {TokenEndpoint} answered {(int)response.StatusCode}: {excerpt.Trim()}");
            }
            return ParseToken(body);
        }
    }

    /// <summary>Reads <c>token</c> and <c>expires_at</c> from the endpoint's JSON answer.</summary>
    public static GitHubAppToken ParseToken(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String
                && root.TryGetProperty("expires_at", out var expires) && expires.ValueKind == JsonValueKind.String
                && !string.IsNullOrEmpty(token.GetString())
                && DateTimeOffset.TryParse(expires.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiresAt))
            {
                return new GitHubAppToken(token.GetString()!, expiresAt);
            }
        }
        catch (JsonException)
        {
        }
        throw new InvalidOperationException("the GitHub App token endpoint answered 201 without a \"token\" and an \"expires_at\"");
    }

    private RSA LoadKey()
    {
        string pem;
        var source = auth.GitHubAppPrivateKeyFile is { } file ? $"--github-app-private-key-file {file}" : "$GITSYNC_GITHUB_APP_PRIVATE_KEY";
        if (auth.GitHubAppPrivateKeyFile is { } path)
        {
            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"can't read the GitHub App private key ({source}): {Platform.IoErrors.Reason(e, path)}", e);
            }
        }
        else
        {
            pem = auth.GitHubAppPrivateKey ?? "";
        }
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"the GitHub App private key ({source}) is not a PEM-encoded RSA private key", e);
        }
    }
}

/// <summary>The JSON Web Token GitHub Apps authenticate with (RS256, no library).</summary>
internal static class Jwt
{
    /// <summary>
    /// <c>iat</c> is a minute in the past and <c>exp</c> nine minutes ahead: GitHub allows at most
    /// ten minutes in total and recommends the back-dating against clock drift.
    /// </summary>
    public static string SignRs256(RSA key, string issuer, DateTimeOffset now)
    {
        var header = Encode("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"u8);
        var buffer = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("iat", now.AddSeconds(-60).ToUnixTimeSeconds());
            w.WriteNumber("exp", now.AddMinutes(9).ToUnixTimeSeconds());
            w.WriteString("iss", issuer);
            w.WriteEndObject();
        }
        var payload = Encode(buffer.ToArray());
        var signingInput = header + "." + payload;
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Encode(signature);
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);
}
