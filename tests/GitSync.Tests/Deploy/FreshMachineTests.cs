using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace GitSync.Tests.Deploy;

/// <summary>
/// The README's one test command works on a fresh Debian machine: <c>./scripts/test.sh</c>
/// installs the packages the suite needs (scripts/install-deps.sh, one list), and CI runs
/// exactly that command.
/// </summary>
public sealed partial class FreshMachineTests
{
    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GitSync.slnx")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        return dir.FullName;
    }

    private static string Read(string relative) => File.ReadAllText(Path.Combine(RepoRoot(), relative));

    [Fact]
    public void The_readme_test_command_installs_dependencies_before_building_and_ci_runs_exactly_it()
    {
        Assert.Contains("./scripts/test.sh", Read("README.md"), StringComparison.Ordinal);
        string[] test = Read("scripts/test.sh").Split('\n');
        int install = Array.FindIndex(test, l => l.TrimStart().StartsWith("./scripts/install-deps.sh", StringComparison.Ordinal));
        int build = Array.FindIndex(test, l => l.TrimStart().StartsWith("./scripts/build.sh", StringComparison.Ordinal));
        Assert.True(install >= 0 && install < build, "scripts/test.sh must run scripts/install-deps.sh before building");
        Assert.Contains(Read(".ci/run").Split('\n'), l => l.Trim() == "./scripts/test.sh \"$@\"");
    }

    [Fact]
    public void Every_server_package_the_tests_name_is_in_the_install_list()
    {
        string list = Read("scripts/install-deps.sh");
        string servers = string.Join('\n', Directory.EnumerateFiles(Path.Combine(RepoRoot(), "tests", "GitSync.Tests", "TestServers"), "*.cs").Select(File.ReadAllText));
        MatchCollection named = PackageNamed().Matches(servers);
        Assert.NotEmpty(named);
        foreach (Match m in named)
        {
            Assert.Matches($@"(?m)^\s+[^#\n]*\b{Regex.Escape(m.Groups[1].Value)}\b", list);
        }
    }

    [Fact]
    public void Everything_the_suite_needs_is_installed_here()
    {
        var info = new ProcessStartInfo(Path.Combine(RepoRoot(), "scripts", "install-deps.sh"), "--check")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process p = Process.Start(info)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "scripts/install-deps.sh --check: " + stderr);
    }

    [GeneratedRegex(@"ServerProcess\.Find\([^,]+,\s*""([a-z0-9.+-]+)""\)")]
    private static partial Regex PackageNamed();
}
