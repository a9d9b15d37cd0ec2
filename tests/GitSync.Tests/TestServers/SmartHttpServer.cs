using System.Globalization;
using System.Text;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.TestServers;

/// <summary>
/// A real smart-HTTP git server on 127.0.0.1: nginx (basic auth) in front of
/// <c>git http-backend</c> run by fcgiwrap, both in the foreground, configured in a temp dir.
/// Any repository on disk is served at its absolute path (<see cref="UrlOf"/>). The password
/// file is re-read by nginx on every request, so <see cref="SetUser"/> takes effect at once.
/// </summary>
public sealed class SmartHttpServer : IDisposable
{
    private readonly TempDir _dir;
    private readonly ServerProcess _fcgiwrap;
    private readonly ServerProcess _nginx;
    private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private SmartHttpServer(TempDir dir, int port, ServerProcess fcgiwrap, ServerProcess nginx)
    {
        _dir = dir;
        Port = port;
        _fcgiwrap = fcgiwrap;
        _nginx = nginx;
    }

    public int Port { get; }

    /// <summary>nginx's access log: one line per request, with the authenticated user.</summary>
    public string AccessLog => File.Exists(_dir.Combine("access.log")) ? File.ReadAllText(_dir.Combine("access.log")) : "";

    /// <summary>Starts a server that accepts <paramref name="user"/> / <paramref name="password"/> (more with <see cref="SetUser"/>).</summary>
    public static async Task<SmartHttpServer> StartAsync(string user, string password)
    {
        // A port picked a moment before nginx binds it can be taken meanwhile: retry.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                SmartHttpServer server = await TryStartAsync().ConfigureAwait(false);
                server.SetUser(user, password);
                return server;
            }
            catch (Xunit.Sdk.XunitException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>The URL of a repository on disk (a working tree or a bare repo).</summary>
    public string UrlOf(TestRepo repo) => $"http://127.0.0.1:{Port}{repo.Path}";

    /// <summary>The same URL with credentials embedded (percent-encoded).</summary>
    public string UrlOf(TestRepo repo, string user, string password) =>
        $"http://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{Port}{repo.Path}";

    /// <summary>The URL with only a user part (<c>http://TOKEN@host/…</c>, how tokens are often passed), percent-encoded.</summary>
    public string UrlWithUser(TestRepo repo, string user) =>
        $"http://{Uri.EscapeDataString(user)}@127.0.0.1:{Port}{repo.Path}";

    /// <summary>Adds a user or changes its password (nginx's <c>{PLAIN}</c> scheme).</summary>
    public void SetUser(string user, string password)
    {
        lock (_gate)
        {
            _users[user] = password;
            WritePasswords();
        }
    }

    public void RemoveUser(string user)
    {
        lock (_gate)
        {
            _users.Remove(user);
            WritePasswords();
        }
    }

    /// <summary>Server logs, for assertion messages.</summary>
    public string Diagnostics() =>
        $"--- nginx on port {Port} ---\n{Tail(_nginx.Output)}\n--- error.log ---\n{Tail(ReadOrEmpty(_dir.Combine("error.log")))}\n--- access.log ---\n{Tail(AccessLog)}\n--- fcgiwrap ---\n{Tail(_fcgiwrap.Output)}";

    public void Dispose()
    {
        _nginx.Dispose();
        _fcgiwrap.Dispose();
        _dir.Dispose();
    }

    private static async Task<SmartHttpServer> TryStartAsync()
    {
        string nginxPath = ServerProcess.Find("nginx", "nginx");
        string fcgiwrapPath = ServerProcess.Find("fcgiwrap", "fcgiwrap");
        string backend = FindHttpBackend();
        TempDir dir = TempDir.Create("nginx");
        int port = Ports.Free();
        string socket = dir.Combine("fcgi.sock");
        File.WriteAllText(dir.Combine("htpasswd"), "");
        File.WriteAllText(dir.Combine("nginx.conf"), Config(dir, port, socket, backend));

        ServerProcess? fcgiwrap = null;
        ServerProcess? nginx = null;
        try
        {
            fcgiwrap = ServerProcess.Start(fcgiwrapPath, ["-c", "4", "-s", "unix:" + socket]);
            await Poll.UntilAsync(() => File.Exists(socket), TimeSpan.FromSeconds(10), "fcgiwrap creates its socket", () => fcgiwrap.Output).ConfigureAwait(false);
            nginx = ServerProcess.Start(nginxPath, ["-e", dir.Combine("error.log"), "-p", dir.Path, "-c", dir.Combine("nginx.conf")]);
            await nginx.WaitForPortAsync(port).ConfigureAwait(false);
            return new SmartHttpServer(dir, port, fcgiwrap, nginx);
        }
        catch
        {
            nginx?.Dispose();
            fcgiwrap?.Dispose();
            dir.Dispose();
            throw;
        }
    }

    private void WritePasswords()
    {
        var text = new StringBuilder();
        foreach ((string user, string password) in _users)
        {
            text.Append(user).Append(":{PLAIN}").Append(password).Append('\n');
        }

        // Replace atomically: nginx reads the file on every request.
        string path = _dir.Combine("htpasswd");
        string temp = path + ".tmp";
        File.WriteAllText(temp, text.ToString());
        File.Move(temp, path, overwrite: true);
    }

    private static string Config(TempDir dir, int port, string socket, string backend)
    {
        string P(string name) => dir.Combine(name);
        return NginxConfig.Around(dir, 256, string.Create(CultureInfo.InvariantCulture, $$"""
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  auth_basic "git";
                  auth_basic_user_file {{P("htpasswd")}};
                  client_max_body_size 0;
                  fastcgi_pass unix:{{socket}};
                  fastcgi_param SCRIPT_FILENAME {{backend}};
                  fastcgi_param GIT_PROJECT_ROOT /;
                  fastcgi_param GIT_HTTP_EXPORT_ALL "";
                  fastcgi_param GIT_CONFIG_NOSYSTEM 1;
                  fastcgi_param PATH_INFO $uri;
                  fastcgi_param REMOTE_USER $remote_user;
                  fastcgi_param QUERY_STRING $query_string;
                  fastcgi_param REQUEST_METHOD $request_method;
                  fastcgi_param CONTENT_TYPE $content_type;
                  fastcgi_param CONTENT_LENGTH $content_length;
                  fastcgi_param GIT_PROTOCOL $http_git_protocol;
                }
              }
            """));
    }

    private static string FindHttpBackend()
    {
        string execPath = LocalGit.Output(null, "--exec-path");
        string backend = Path.Combine(execPath, "git-http-backend");
        return File.Exists(backend) ? backend : throw new InvalidOperationException($"git-http-backend not found in {execPath}");
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static string Tail(string text) => text.Length > 3000 ? "..." + text[^3000..] : text;
}
