using System.Globalization;
using System.Text.RegularExpressions;
using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace GitSync.Tests.Deploy;

/// <summary>
/// The nginx configuration shipped in the manifests' ConfigMaps, run by the real nginx in front
/// of a root git-sync published: the site is served through the link, and no dotfile is — each
/// worktree's <c>.git</c> file names the volume's path.
/// </summary>
public sealed partial class NginxSiteConfigTests(ITestOutputHelper output) : EndToEndTest(output)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static TheoryData<string> ManifestsWithNginxConfig()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "deploy", "kubernetes"), "*.yaml").Order())
        {
            if (NginxConfig(file) is not null)
            {
                data.Add(Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestsWithNginxConfig))]
    public async Task Shipped_nginx_config_serves_the_site_through_the_link_and_no_dotfiles(string manifest)
    {
        string serverBlock = NginxConfig(Path.Combine(RepoRoot(), "deploy", "kubernetes", manifest))!;
        TestRepo repo = NewRepo();
        repo.Commit(new Dictionary<string, string>
        {
            ["index.html"] = "<h1>site</h1>",
            [".env"] = "SECRET=1",
            ["docs/.htpasswd"] = "x:y",
            [".well-known/security.txt"] = "Contact: x",
        });
        string volume = NewDir("volume").Path;
        await RunOnceAsync(repo, Path.Combine(volume, "git"), "--link=html");

        // The pod mounts the volume at /usr/share/nginx, so the link is /usr/share/nginx/html;
        // here the volume is the root's parent and the port a free one.
        int port = Ports.Free();
        string config = serverBlock
            .Replace("/usr/share/nginx/html", Path.Combine(volume, "git", "html"), StringComparison.Ordinal);
        config = ListenDirective().Replace(config, $"listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)};");
        TempDir dir = NewDir("nginx");
        File.WriteAllText(dir.Combine("nginx.conf"), $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{dir.Combine("nginx.pid")}};
            error_log {{dir.Combine("error.log")}} info;
            events { worker_connections 64; }
            http {
              access_log {{dir.Combine("access.log")}};
              client_body_temp_path {{dir.Combine("body")}};
              proxy_temp_path {{dir.Combine("proxy")}};
              fastcgi_temp_path {{dir.Combine("fastcgi")}};
              uwsgi_temp_path {{dir.Combine("uwsgi")}};
              scgi_temp_path {{dir.Combine("scgi")}};
            {{config}}
            }
            """);
        using ServerProcess nginx = ServerProcess.Start(ServerProcess.Find("nginx", "nginx"), ["-e", dir.Combine("error.log"), "-p", dir.Path, "-c", dir.Combine("nginx.conf")]);
        await nginx.WaitForPortAsync(port);

        Assert.Equal((200, "<h1>site</h1>"), await GetAsync(port, "/"));
        Assert.Equal((200, "Contact: x"), await GetAsync(port, "/.well-known/security.txt"));
        foreach (string path in new[] { "/.git", "/.env", "/docs/.htpasswd", "/%2egit", "/docs/../.git" })
        {
            (int status, string body) = await GetAsync(port, path);
            Assert.True(status == 404, $"{manifest}: GET {path} answered {status}: {body}\n{nginx.Output}");
        }
    }

    private static async Task<(int, string)> GetAsync(int port, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}{path}", UriKind.Absolute));
        using HttpResponseMessage response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The <c>default.conf</c> of the manifest's ConfigMap, if it has one.</summary>
    private static string? NginxConfig(string path)
    {
        var stream = new YamlStream();
        using (StreamReader reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        foreach (YamlDocument doc in stream.Documents)
        {
            if (doc.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("kind"), out YamlNode? kind) && ((YamlScalarNode)kind).Value == "ConfigMap"
                && root.Children.TryGetValue(new YamlScalarNode("data"), out YamlNode? data)
                && ((YamlMappingNode)data).Children.TryGetValue(new YamlScalarNode("default.conf"), out YamlNode? conf))
            {
                return ((YamlScalarNode)conf).Value;
            }
        }

        return null;
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }

    [GeneratedRegex(@"listen\s+\d+;")]
    private static partial Regex ListenDirective();
}
