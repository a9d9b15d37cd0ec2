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

    [Theory]
    [MemberData(nameof(Manifests))]
    public async Task Git_sync_containers_in_the_manifest_draw_no_warning_from_check(string manifest)
    {
        foreach (var container in GitSyncContainers(Path.Combine(RepoRoot(), "deploy", "kubernetes", manifest)))
        {
            var env = container.Env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
            using var process = GitSyncProcess.Start([.. container.Args, "--check"], env);
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            Assert.DoesNotContain("WARNING", process.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The restricted Pod Security Standard, as the admission controller checks it: non-root,
    /// RuntimeDefault seccomp, no privilege escalation, every capability dropped — plus a
    /// read-only root filesystem, which git-sync needs no exception from.
    /// </summary>
    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_pod_in_the_manifest_runs_under_the_restricted_profile(string manifest)
    {
        var pods = PodSpecs(Path.Combine(RepoRoot(), "deploy", "kubernetes", manifest)).ToList();
        Assert.NotEmpty(pods);
        foreach (var pod in pods)
        {
            var podContext = Child(pod, "securityContext");
            Assert.True(Scalar(podContext, "runAsNonRoot") == "true", $"{manifest}: the pod must set runAsNonRoot: true");
            Assert.True(Scalar(Child(podContext, "seccompProfile"), "type") == "RuntimeDefault", $"{manifest}: the pod must use the RuntimeDefault seccomp profile");
            foreach (var list in new[] { "initContainers", "containers" })
            {
                if (Child(pod, list) is not YamlSequenceNode containers)
                {
                    continue;
                }

                foreach (var container in containers.Children.Cast<YamlMappingNode>())
                {
                    var name = Scalar(container, "name");
                    var context = Child(container, "securityContext");
                    Assert.True(Scalar(context, "allowPrivilegeEscalation") == "false", $"{manifest}: {name} must set allowPrivilegeEscalation: false");
                    Assert.True(Scalar(context, "readOnlyRootFilesystem") == "true", $"{manifest}: {name} must set readOnlyRootFilesystem: true");
                    var drop = Child(Child(context, "capabilities"), "drop") as YamlSequenceNode;
                    Assert.True(drop is not null && drop.Children.Any(n => ((YamlScalarNode)n).Value == "ALL"), $"{manifest}: {name} must drop ALL capabilities");
                    Assert.True(Scalar(context, "runAsUser") != "0" && Scalar(podContext, "runAsUser") != "0", $"{manifest}: {name} must not run as root");
                }
            }
        }
    }

    [Fact]
    public async Task Check_warns_about_settings_the_restricted_profile_refuses()
    {
        using var process = GitSyncProcess.Start(["--repo=https://example.com/r", "--root=/git", "--add-user", "--http-bind=:80",
            "--touch-file=/var/run/synced", "--error-file=error.json", "--link=/srv/html", "--check"]);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var warnings = process.Stderr.Split('\n').Where(l => l.StartsWith("WARNING: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(warnings, w => w.Contains("--add-user writes /etc/passwd", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("--http-bind :80 uses port 80", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("--touch-file /var/run/synced is outside --root", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("--link /srv/html is outside --root", StringComparison.Ordinal));
        // A relative error file lives in the root, which is writable.
        Assert.DoesNotContain(warnings, w => w.Contains("--error-file", StringComparison.Ordinal));
        Assert.Equal(4, warnings.Count);
    }

    private static IEnumerable<YamlMappingNode> PodSpecs(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is YamlMappingNode root && Scalar(root, "kind") is "Deployment" or "StatefulSet" or "DaemonSet" or "Job"
                && Child(Child(Child(root, "spec"), "template"), "spec") is YamlMappingNode pod)
            {
                yield return pod;
            }
        }
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

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
