using System.Diagnostics;
using System.Globalization;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.TestServers;

/// <summary>
/// nginx serving a directory as plain files, on 127.0.0.1 over HTTP and over HTTPS with a
/// self-signed certificate made by openssl at start: a "dumb" HTTP git server (for bare repos
/// prepared with <c>git update-server-info</c>) and a server git does not trust.
/// </summary>
public sealed class StaticHttpServer : IDisposable
{
    private readonly TempDir _dir;
    private readonly ServerProcess _nginx;

    private StaticHttpServer(TempDir dir, int port, int tlsPort, ServerProcess nginx)
    {
        _dir = dir;
        Port = port;
        TlsPort = tlsPort;
        _nginx = nginx;
    }

    /// <summary>The directory served at <c>/</c>.</summary>
    public string Content => _dir.Combine("www");

    public int Port { get; }

    public int TlsPort { get; }

    public static async Task<StaticHttpServer> StartAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync().ConfigureAwait(false);
            }
            catch (Xunit.Sdk.XunitException) when (attempt < 3)
            {
                // A free port was taken before nginx bound it.
            }
        }
    }

    public string Diagnostics() => $"--- static nginx on {Port}/{TlsPort} ---\n{_nginx.Output}\n{(File.Exists(_dir.Combine("error.log")) ? File.ReadAllText(_dir.Combine("error.log")) : "")}";

    public void Dispose()
    {
        _nginx.Dispose();
        _dir.Dispose();
    }

    private static async Task<StaticHttpServer> TryStartAsync()
    {
        string nginxPath = ServerProcess.Find("nginx", "nginx");
        TempDir dir = TempDir.Create("static-nginx");
        try
        {
            Directory.CreateDirectory(dir.Combine("www"));
            Run(ServerProcess.Find("openssl", "openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.Combine("key.pem"), "-out", dir.Combine("cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1");
            int port = Ports.Free();
            int tlsPort = Ports.Free();
            string P(string name) => dir.Combine(name);
            File.WriteAllText(P("nginx.conf"), NginxConfig.Around(dir, 64, string.Create(CultureInfo.InvariantCulture, $$"""
                  server {
                    listen 127.0.0.1:{{port}};
                    root {{P("www")}};
                  }
                  server {
                    listen 127.0.0.1:{{tlsPort}} ssl;
                    ssl_certificate {{P("cert.pem")}};
                    ssl_certificate_key {{P("key.pem")}};
                    root {{P("www")}};
                  }
                """)));
            ServerProcess nginx = ServerProcess.Start(nginxPath, ["-e", P("error.log"), "-p", dir.Path, "-c", P("nginx.conf")]);
            try
            {
                await nginx.WaitForPortAsync(port).ConfigureAwait(false);
                await nginx.WaitForPortAsync(tlsPort).ConfigureAwait(false);
            }
            catch
            {
                nginx.Dispose();
                throw;
            }

            return new StaticHttpServer(dir, port, tlsPort, nginx);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {stderr}");
        }
    }
}
