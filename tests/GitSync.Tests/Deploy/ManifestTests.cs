using GitSync.Tests.Infrastructure;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace GitSync.Tests.Deploy;

/// <summary>
/// Every Kubernetes manifest we ship must start git-sync with a configuration our own parser
/// accepts: each git-sync container's args and env are run through <c>git-sync --check</c>.
/// </summary>
public sealed class ManifestTests
{
    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        // From this source file's path, so it also works when the build output lives elsewhere.
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        return dir.FullName;
    }

    public static TheoryData<string> Manifests()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "deploy", "kubernetes"), "*.yaml").Order())
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    private sealed record Container(string Name, List<string> Args, Dictionary<string, string> Env);

    private static IEnumerable<Container> GitSyncContainers(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }
        foreach (var doc in stream.Documents)
        {
            foreach (var node in Walk(doc.RootNode))
            {
                if (node is not YamlMappingNode map
                    || !map.Children.TryGetValue(new YamlScalarNode("image"), out var image)
                    || !((YamlScalarNode)image).Value!.Contains("git-sync", StringComparison.Ordinal))
                {
                    continue;
                }
                var args = map.Children.TryGetValue(new YamlScalarNode("args"), out var a)
                    ? ((YamlSequenceNode)a).Children.Select(n => ((YamlScalarNode)n).Value!).ToList()
                    : [];
                var env = new Dictionary<string, string>();
                if (map.Children.TryGetValue(new YamlScalarNode("env"), out var e))
                {
                    foreach (var item in ((YamlSequenceNode)e).Children.Cast<YamlMappingNode>())
                    {
                        var name = ((YamlScalarNode)item.Children[new YamlScalarNode("name")]).Value!;
                        if (item.Children.TryGetValue(new YamlScalarNode("value"), out var v))
                        {
                            env[name] = ((YamlScalarNode)v).Value!;
                        }
                    }
                }
                var containerName = ((YamlScalarNode)map.Children[new YamlScalarNode("name")]).Value!;
                yield return new Container(containerName, args, env);
            }
        }
    }

    private static IEnumerable<YamlNode> Walk(YamlNode node)
    {
        yield return node;
        var children = node switch
        {
            YamlMappingNode m => m.Children.Values,
            YamlSequenceNode s => s.Children,
            _ => (IEnumerable<YamlNode>)[],
        };
        foreach (var child in children)
        {
            foreach (var n in Walk(child))
            {
                yield return n;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public async Task Git_sync_containers_in_the_manifest_pass_check(string manifest)
    {
        var containers = GitSyncContainers(Path.Combine(RepoRoot(), "deploy", "kubernetes", manifest)).ToList();
        Assert.NotEmpty(containers);
        foreach (var container in containers)
        {
            var env = container.Env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
            using var process = GitSyncProcess.Start([.. container.Args, "--check"], env);
            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(code == 0, $"{manifest}: container {container.Name} fails --check (exit {code}): {process.Stderr}");
            Assert.Contains("\"repo\"", process.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Check_prints_the_effective_configuration_of_a_v3_argument_list()
    {
        using var process = GitSyncProcess.Start(["-ssh", "-repo=git@example.com:org/site.git", "-root=/tmp/git-sync-check", "-dest=html", "-branch=master", "-depth=1", "--check"]);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("\"ref\": \"master\"", process.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"link\": \"/tmp/git-sync-check/html\"", process.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists("/tmp/git-sync-check"), "--check must not create the root");
    }

    [Fact]
    public async Task Check_rejects_bad_configuration_and_never_prints_secrets()
    {
        using (var bad = GitSyncProcess.Start(["--repo=https://example.com/r", "--root=/tmp/x", "--period=1ms", "--check"]))
        {
            Assert.Equal(1, await bad.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains("--period", bad.Stderr, StringComparison.Ordinal);
        }
        using var good = GitSyncProcess.Start(
            ["--repo=https://user:hunter2-secret@example.com/r", "--root=/tmp/x", "--git-config=http.extraHeader:Authorization: Bearer tok-secret", "--check"]);
        Assert.Equal(0, await good.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.DoesNotContain("hunter2-secret", good.Stdout + good.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-secret", good.Stdout + good.Stderr, StringComparison.Ordinal);
    }
}
