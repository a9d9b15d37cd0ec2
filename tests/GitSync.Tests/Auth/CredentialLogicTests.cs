using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitSync.Auth;
using GitSync.Cli;
using Xunit;

namespace GitSync.Tests.Auth;

/// <summary>Pure logic of the credential code: URL handling, the ssh command, askpass answers, JWTs, token expiry.</summary>
public sealed class CredentialLogicTests
{
    [Theory]
    [InlineData("ssh://git@example.com/repo.git", true)]
    [InlineData("ssh://git@example.com:2222/repo.git", true)]
    [InlineData("git+ssh://example.com/repo", true)]
    [InlineData("git@github.com:kubernetes/git-sync.git", true)]
    [InlineData("example.com:repo", true)]
    [InlineData("git@127.0.0.1:/srv/git/repo", true)]
    [InlineData("https://example.com/repo.git", false)]
    [InlineData("http://user:pass@example.com/repo.git", false)]
    [InlineData("file:///srv/git/repo", false)]
    [InlineData("/srv/git/repo", false)]
    [InlineData("./repo:with-colon", false)]
    public void Recognises_ssh_urls(string url, bool ssh) => Assert.Equal(ssh, RepoUrl.IsSsh(url));

    [Theory]
    [InlineData("https://user:pass@example.com/org/repo.git", "https://example.com/org/repo.git", "user", "pass")]
    [InlineData("http://u:p%40ss%2Fw%3Ard@127.0.0.1:8080/repo", "http://127.0.0.1:8080/repo", "u", "p@ss/w:rd")]
    [InlineData("https://user:pass@example.com", "https://example.com", "user", "pass")]
    [InlineData("https://:token@example.com/r", "https://example.com/r", "", "token")]
    [InlineData("HTTPS://user:pass@example.com/r?x=1", "HTTPS://example.com/r?x=1", "user", "pass")]
    // A lone user part is a token (GitHub, Gitea, Bitbucket): the username, with an empty password.
    [InlineData("https://ghp_token123@github.com/org/repo.git", "https://github.com/org/repo.git", "ghp_token123", "")]
    [InlineData("https://user@example.com/repo.git", "https://example.com/repo.git", "user", "")]
    [InlineData("http://t%40k@127.0.0.1:8080/repo", "http://127.0.0.1:8080/repo", "t@k", "")]
    public void Splits_credentials_out_of_http_urls(string url, string stripped, string user, string password)
    {
        (string u, string? name, string? secret) = RepoUrl.SplitCredentials(url);
        Assert.Equal(stripped, u);
        Assert.Equal(user, name);
        Assert.Equal(password, secret);
    }

    [Theory]
    [InlineData("https://example.com/repo.git")]
    [InlineData("ssh://git@example.com/repo.git")]
    [InlineData("ssh://git:pw@example.com/repo.git")]
    [InlineData("git@example.com:repo.git")]
    [InlineData("file:///srv/repo")]
    [InlineData("https://example.com/path/with@at")]
    public void Leaves_other_urls_alone(string url)
    {
        (string u, string? name, string? secret) = RepoUrl.SplitCredentials(url);
        Assert.Equal(url, u);
        Assert.Null(name);
        Assert.Null(secret);
    }

    [Fact]
    public void Ssh_command_checks_host_keys_and_offers_only_the_given_keys()
    {
        var auth = new AuthOptions { SshKeyFiles = ["/keys/one", "/keys/my key"], SshKnownHostsFile = "/etc/kh" };
        Assert.Equal(
            "ssh -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/kh -o IdentitiesOnly=yes -i /keys/one -i '/keys/my key'",
            SshCommand.Build(auth, null, 0, auth.SshKeyFiles));
    }

    [Fact]
    public void Ssh_command_without_known_hosts_checking_remembers_nothing()
    {
        var auth = new AuthOptions { SshKeyFiles = ["/k"], SshKnownHosts = false };
        Assert.Equal(
            "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i /k",
            SshCommand.Build(auth, null, 0, auth.SshKeyFiles));
    }

    [Fact]
    public void Ssh_command_extends_the_callers_own_and_follows_verbosity()
    {
        var auth = new AuthOptions { SshKeyFiles = ["/k"], SshKnownHostsFile = "/kh" };
        Assert.StartsWith("ssh -p 2222 -F /cfg -vvv -o StrictHostKeyChecking=yes", SshCommand.Build(auth, " ssh -p 2222 -F /cfg ", 9, auth.SshKeyFiles), StringComparison.Ordinal);
        Assert.StartsWith("ssh -v -o", SshCommand.Build(auth, null, 5, auth.SshKeyFiles), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_default_key_is_dropped_only_when_the_caller_brings_an_ssh_command()
    {
        var auth = new AuthOptions { SshKeyFiles = [SshCommand.DefaultKeyFile] };
        static bool Missing(string path) => false;
        static bool Present(string path) => true;

        // Whether this machine has /etc/git-secret/ssh must not decide what is checked.
        Assert.Empty(SshCommand.KeyFiles(auth, "ssh -i /my/key", Missing));
        Assert.Equal([SshCommand.DefaultKeyFile], SshCommand.KeyFiles(auth, null, Missing));
        Assert.Equal([SshCommand.DefaultKeyFile], SshCommand.KeyFiles(auth, "ssh -i /my/key", Present));
        var given = new AuthOptions { SshKeyFiles = ["/keys/mine"] };
        Assert.Equal(["/keys/mine"], SshCommand.KeyFiles(given, "ssh -i /my/key", Missing));
    }

    [Theory]
    [InlineData("simple", "simple")]
    [InlineData("/a/b-c_d.e", "/a/b-c_d.e")]
    [InlineData("with space", "'with space'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("", "''")]
    public void Quotes_words_for_the_shell(string word, string quoted) => Assert.Equal(quoted, SshCommand.ShellQuote(word));

    [Theory]
    [InlineData("username=u\npassword=p\n", "u", "p")]
    [InlineData("username=u\r\npassword=p=q\r\n", "u", "p=q")]
    [InlineData("junk\npassword= spaced \nusername=u\nother=x", "u", " spaced ")]
    public void Parses_askpass_answers(string body, string user, string password)
    {
        (string Username, string Password)? parsed = AskpassClient.Parse(body);
        Assert.NotNull(parsed);
        Assert.Equal(user, parsed.Value.Username);
        Assert.Equal(password, parsed.Value.Password);
    }

    [Theory]
    [InlineData("username=u\n")]
    [InlineData("password=p\n")]
    [InlineData("")]
    [InlineData("<html>oops</html>")]
    public void Askpass_answer_without_both_fields_is_rejected(string body) => Assert.Null(AskpassClient.Parse(body));

    [Fact]
    public void Jwt_is_rs256_signed_with_issuer_and_a_ten_minute_window()
    {
        using RSA key = RSA.Create(2048);
        var now = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        string jwt = Jwt.SignRs256(key, "12345", now);

        string[] parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.DoesNotContain('=', jwt);
        using JsonDocument header = JsonDocument.Parse(Decode(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        using JsonDocument payload = JsonDocument.Parse(Decode(parts[1]));
        Assert.Equal("12345", payload.RootElement.GetProperty("iss").GetString());
        long iat = payload.RootElement.GetProperty("iat").GetInt64();
        long exp = payload.RootElement.GetProperty("exp").GetInt64();
        Assert.True(iat <= now.ToUnixTimeSeconds() && exp > now.ToUnixTimeSeconds() && exp - iat <= 600, $"iat {iat} exp {exp}");
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Token_is_refreshed_within_thirty_seconds_of_expiry()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(1000);
        Assert.False(new GitHubAppToken("t", now.AddMinutes(5)).NeedsRefresh(now));
        Assert.False(new GitHubAppToken("t", now.AddSeconds(31)).NeedsRefresh(now));
        Assert.True(new GitHubAppToken("t", now.AddSeconds(29)).NeedsRefresh(now));
        Assert.True(new GitHubAppToken("t", now.AddSeconds(-1)).NeedsRefresh(now));
    }

    [Fact]
    public void Reads_the_token_answer()
    {
        GitHubAppToken token = GitHubApp.ParseToken("""{"token":"ghs_abc","expires_at":"2030-01-02T03:04:05Z","permissions":{}}""");
        Assert.Equal("ghs_abc", token.Token);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), token.ExpiresAt);
        Assert.Throws<InvalidOperationException>(() => GitHubApp.ParseToken("""{"message":"Bad credentials"}"""));
        Assert.Throws<InvalidOperationException>(() => GitHubApp.ParseToken("not json"));
    }

    [Theory]
    [InlineData("https://api.github.com/", "https://api.github.com/app/installations/7/access_tokens")]
    [InlineData("https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/app/installations/7/access_tokens")]
    [InlineData("http://127.0.0.1:9999/", "http://127.0.0.1:9999/app/installations/7/access_tokens")]
    public void Token_endpoint_joins_the_base_url(string baseUrl, string expected)
    {
        using var http = new HttpClient();
        var app = new GitHubApp(http, new AuthOptions { GitHubBaseUrl = baseUrl, GitHubAppInstallationId = 7, GitHubAppApplicationId = 1 }, TimeProvider.System);
        Assert.Equal(expected, app.TokenEndpoint.ToString());
        Assert.Equal("1", app.Issuer);
    }

    private static byte[] Decode(string base64Url)
    {
        string s = base64Url.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - (s.Length % 4)) % 4));
    }
}
