using System.Globalization;

namespace GitSync.Tests.Infrastructure;

/// <summary>One row of <c>/proc/PID/stat</c>: enough to find a process tree, a session and zombies.</summary>
public sealed record ProcessEntry(int Pid, char State, int ParentPid, int Group, int Session)
{
    public bool IsZombie => State is 'Z' or 'X';
}

/// <summary>Reads the live process table from <c>/proc</c>.</summary>
public static class ProcessTable
{
    public static IReadOnlyList<ProcessEntry> Snapshot()
    {
        var entries = new List<ProcessEntry>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            ProcessEntry? entry = Read(pid);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    public static ProcessEntry? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name is in parentheses and may itself contain spaces or parentheses,
        // so the fixed fields are taken after the last ')'.
        int close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 4)
        {
            return null;
        }

        return new ProcessEntry(
            pid,
            fields[0][0],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            int.Parse(fields[2], CultureInfo.InvariantCulture),
            int.Parse(fields[3], CultureInfo.InvariantCulture));
    }

    /// <summary>The argument vector of a process, or an empty list when it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            string raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Live (non-zombie) processes whose argument vector contains <paramref name="argument"/>.</summary>
    public static IReadOnlyList<int> WithArgument(string argument) =>
        Snapshot()
            .Where(p => !p.IsZombie && CommandLine(p.Pid).Contains(argument, StringComparer.Ordinal))
            .Select(p => p.Pid)
            .ToList();
}
