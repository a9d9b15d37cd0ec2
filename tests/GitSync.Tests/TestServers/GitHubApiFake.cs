using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GitSync.Tests.TestServers;

/// <summary>
/// A local stand-in for GitHub's <c>POST /app/installations/{id}/access_tokens</c>: it checks the
/// RS256 JWT git-sync sends (signature against the app's public key, issuer, iat/exp window)
/// and answers 201 with a new installation token, or 401 with the reason. Each issued token is
/// handed to <c>onIssued</c> (the tests make it the git server's password for user <c>-</c>).
/// </summary>
public sealed class GitHubApiFake : IDisposable
{
    private readonly FakeHttpService _http;
    private readonly RSA _publicKey;
    private readonly string _issuer;
    private readonly long _installationId;
    private readonly TimeSpan _tokenLifetime;
    private readonly Action<string> _onIssued;
    private readonly List<string> _issued = [];
    private readonly List<string> _rejections = [];
    private readonly Lock _gate = new();

    private GitHubApiFake(RSA publicKey, string issuer, long installationId, TimeSpan tokenLifetime, Action<string> onIssued)
    {
        _publicKey = publicKey;
        _issuer = issuer;
        _installationId = installationId;
        _tokenLifetime = tokenLifetime;
        _onIssued = onIssued;
        _http = FakeHttpService.Start(Handle);
    }

    /// <summary>The base URL to give git-sync as --github-base-url.</summary>
    public string BaseUrl => _http.Url;

    public IReadOnlyList<string> IssuedTokens
    {
        get
        {
            lock (_gate)
            {
                return [.. _issued];
            }
        }
    }

    public IReadOnlyList<string> Rejections
    {
        get
        {
            lock (_gate)
            {
                return [.. _rejections];
            }
        }
    }

    /// <summary>Starts the fake for an app whose public key is <paramref name="appKey"/>'s.</summary>
    public static GitHubApiFake Start(RSA appKey, string issuer, long installationId, TimeSpan tokenLifetime, Action<string> onIssued)
    {
        var publicKey = RSA.Create();
        publicKey.ImportSubjectPublicKeyInfo(appKey.ExportSubjectPublicKeyInfo(), out _);
        return new GitHubApiFake(publicKey, issuer, installationId, tokenLifetime, onIssued);
    }

    public string Diagnostics()
    {
        lock (_gate)
        {
            return $"--- GitHub API fake ---\nissued {_issued.Count} token(s); rejections: {string.Join(" | ", _rejections)}";
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _publicKey.Dispose();
    }

    private FakeResponse Handle(FakeRequest request)
    {
        string expectedPath = $"/app/installations/{_installationId.ToString(CultureInfo.InvariantCulture)}/access_tokens";
        if (request.Method != "POST" || request.Path != expectedPath)
        {
            return Reject(404, $"unexpected {request.Method} {request.Path}");
        }

        if (!request.Headers.TryGetValue("User-Agent", out string? agent) || agent.Length == 0)
        {
            return Reject(403, "no User-Agent (GitHub requires one)");
        }

        if (!request.Headers.TryGetValue("Authorization", out string? authorization) || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Reject(401, "no bearer token");
        }

        string? problem = Verify(authorization["Bearer ".Length..]);
        if (problem is not null)
        {
            return Reject(401, problem);
        }

        string token = "ghs_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        _onIssued(token);
        lock (_gate)
        {
            _issued.Add(token);
        }

        string expires = DateTimeOffset.UtcNow.Add(_tokenLifetime).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new FakeResponse(201, $$"""{"token":"{{token}}","expires_at":"{{expires}}","permissions":{"contents":"read"},"repository_selection":"all"}""", "application/json");
    }

    private string? Verify(string jwt)
    {
        string[] parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return "JWT does not have three parts";
        }

        using (JsonDocument header = JsonDocument.Parse(Decode(parts[0])))
        {
            if (!header.RootElement.TryGetProperty("alg", out JsonElement alg) || alg.GetString() != "RS256")
            {
                return "JWT alg is not RS256";
            }
        }

        byte[] signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!_publicKey.VerifyData(signed, Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return "A JSON web token could not be decoded (signature does not match the app's public key)";
        }

        using JsonDocument payload = JsonDocument.Parse(Decode(parts[1]));
        JsonElement claims = payload.RootElement;
        string? issuer = claims.TryGetProperty("iss", out JsonElement iss) ? iss.ToString() : null;
        if (issuer != _issuer)
        {
            return $"JWT iss is '{issuer}', expected '{_issuer}'";
        }

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long iat = claims.GetProperty("iat").GetInt64();
        long exp = claims.GetProperty("exp").GetInt64();
        if (iat > now + 60 || exp <= now || exp - iat > 600)
        {
            return $"JWT iat/exp out of range (iat {iat}, exp {exp}, now {now})";
        }

        return null;
    }

    private FakeResponse Reject(int status, string why)
    {
        lock (_gate)
        {
            _rejections.Add(why);
        }

        return new FakeResponse(status, $$"""{"message":"{{why.Replace("\"", "'", StringComparison.Ordinal)}}"}""", "application/json");
    }

    private static byte[] Decode(string base64Url)
    {
        string s = base64Url.Replace('-', '+').Replace('_', '/');
        s += new string('=', (4 - (s.Length % 4)) % 4);
        return Convert.FromBase64String(s);
    }
}
