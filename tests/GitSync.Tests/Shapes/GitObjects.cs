using System.Diagnostics;
using System.Globalization;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Shapes;

/// <summary>What <c>git count-objects -v</c> says about a repository's object store.</summary>
public sealed record GitObjects(int Loose, int InPack, int Packs, int Garbage)
{
    public int Total => Loose + InPack;

    public static GitObjects Count(string repo)
    {
        Dictionary<string, int> values = LocalGit.Output(repo, "count-objects", "-v")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(kv => kv[0].Trim(), kv => int.Parse(kv[1].Trim(), CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return new GitObjects(values["count"], values["in-pack"], values["packs"], values["garbage"]);
    }

    public override string ToString() => $"{Loose} loose + {InPack} packed objects in {Packs} packs ({Garbage} garbage files)";
}

/// <summary>Disk use as <c>du</c> reports it (allocated blocks, so many small loose objects count as they do on a real volume).</summary>
public static class DiskUsage
{
    /// <summary><c>du -sk</c> of <paramref name="path"/>, in KiB.</summary>
    public static long KiB(string path)
    {
        var info = new ProcessStartInfo("du", ["-sk", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process du = Process.Start(info) ?? throw new InvalidOperationException("could not start du");
        Task<string> stderr = du.StandardError.ReadToEndAsync();
        string stdout = du.StandardOutput.ReadToEnd();
        du.WaitForExit();
        if (du.ExitCode != 0)
        {
            throw new InvalidOperationException($"du -sk {path} exited {du.ExitCode}: {stderr.Result}");
        }

        return long.Parse(stdout.Split('\t')[0], CultureInfo.InvariantCulture);
    }
}
