using GitSync.Cli;
using Xunit;

namespace GitSync.Tests.Architecture;

/// <summary>
/// The folders of src/GitSync depend one way (docs/architecture.md draws it): a folder may use
/// only folders in lower layers, never one in its own layer or above. Read from the compiled
/// assembly, so every kind of use counts, whether through <c>using</c>, a qualified name or a
/// lambda.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Leaf first. Folders in the same layer may not use each other.</summary>
    internal static readonly string[][] Layers =
    [
        ["Platform"],
        ["Logging"],
        ["Metrics"],
        ["Git"],
        ["Auth", "Trust", "Hooks"],
        ["Sync"],
        ["Http"],
        ["Cli"],
        [ProgramLayer],
    ];

    /// <summary>Types directly in the <c>GitSync</c> namespace (Program.cs and assembly-wide files).</summary>
    internal const string ProgramLayer = "(program)";

    private static readonly Lazy<IReadOnlyList<TypeUse>> Uses =
        new(() => AssemblyReferences.Read(typeof(FlagTable).Assembly.Location));

    /// <summary>The folder of a top-level type, or null for compiler-emitted types outside <c>GitSync</c>.</summary>
    internal static string? FolderOf(string typeName)
    {
        if (!typeName.StartsWith("GitSync.", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = typeName["GitSync.".Length..];
        var dot = rest.IndexOf('.');
        return dot < 0 ? ProgramLayer : rest[..dot];
    }

    internal static int LayerOf(string folder) => Array.FindIndex(Layers, layer => layer.Contains(folder));

    /// <summary>Every use that points sideways or up, as "A.Type uses B.Type (layer a -> b)".</summary>
    internal static IReadOnlyList<string> Violations(IEnumerable<TypeUse> uses)
    {
        var violations = new List<string>();
        foreach (var use in uses)
        {
            var from = FolderOf(use.From);
            var to = FolderOf(use.To);
            if (from is null || to is null || from == to)
            {
                continue;
            }
            if (LayerOf(to) >= LayerOf(from))
            {
                violations.Add($"{from} -> {to}: {use.From} uses {use.To}");
            }
        }
        violations.Sort(StringComparer.Ordinal);
        return violations;
    }

    [Fact]
    public void No_folder_uses_a_folder_in_its_own_layer_or_above()
    {
        var violations = Violations(Uses.Value);
        Assert.True(violations.Count == 0, "upward or sideways uses between folders:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Every_folder_has_a_place_in_the_layers()
    {
        var folders = Uses.Value.SelectMany(u => new[] { u.From, u.To }).Select(FolderOf).OfType<string>().Distinct();
        var unplaced = folders.Where(f => LayerOf(f) < 0).ToList();
        Assert.True(unplaced.Count == 0, "folders missing from LayeringTests.Layers and docs/architecture.md: " + string.Join(", ", unplaced));
    }

    [Fact]
    public void Every_source_file_declares_the_namespace_of_its_folder()
    {
        var src = Path.Combine(RepositoryRoot(), "src", "GitSync");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file);
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal))
            {
                continue;
            }
            var folder = Path.GetDirectoryName(relative);
            var expected = string.IsNullOrEmpty(folder) ? "GitSync" : "GitSync." + folder.Replace('/', '.');
            var declared = File.ReadLines(file).FirstOrDefault(l => l.StartsWith("namespace ", StringComparison.Ordinal));
            if (declared is not null && declared.TrimEnd(';', ' ') != "namespace " + expected)
            {
                wrong.Add($"{relative}: {declared}");
            }
        }
        Assert.True(wrong.Count == 0, "the folder decides the layer, so the namespace must match it:\n" + string.Join("\n", wrong));
    }

    /// <summary>The scan is not vacuous: uses known to exist are seen, across folders and inside lambdas.</summary>
    [Theory]
    [InlineData("GitSync.Sync.SyncEngine", "GitSync.Git.GitCli")]
    [InlineData("GitSync.Cli.OptionsBuilder", "GitSync.Sync.SyncOptions")]
    [InlineData("GitSync.Program", "GitSync.Sync.PublishSteps")]
    public void Sees_uses_that_exist(string from, string to)
        => Assert.Contains(new TypeUse(from, to), Uses.Value);

    [Fact]
    public void An_upward_use_is_reported()
    {
        var violations = Violations([new TypeUse("GitSync.Platform.Filesystem", "GitSync.Cli.FlagTable"), new TypeUse("GitSync.Auth.SshCommand", "GitSync.Hooks.HookRunner")]);
        Assert.Equal(
            ["Auth -> Hooks: GitSync.Auth.SshCommand uses GitSync.Hooks.HookRunner", "Platform -> Cli: GitSync.Platform.Filesystem uses GitSync.Cli.FlagTable"],
            violations);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"could not find GitSync.slnx above {AppContext.BaseDirectory}");
    }
}
