using GitSync.Git;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>Flags of git itself (<c>--git</c>, <c>--git-config</c>, <c>--git-config-add</c>), validated into <see cref="GitOptions"/>.</summary>
internal static class GitFlags
{
    public static GitOptions Read(FlagValues f)
    {
        var config = new List<GitConfigEntry>();
        try
        {
            config.AddRange(GitConfigSpec.Parse(f.Str(FlagTable.GitConfig)).Select(kv => new GitConfigEntry(kv.Key, kv.Value, Add: false)));
        }
        catch (FormatException e)
        {
            throw new ConfigException($"invalid flag: --git-config: {e.Message}");
        }
        foreach (var entry in f.List(FlagTable.GitConfigAdd))
        {
            try
            {
                config.AddRange(GitConfigSpec.Parse(entry, single: true).Select(kv => new GitConfigEntry(kv.Key, kv.Value, Add: true)));
            }
            catch (FormatException e)
            {
                throw new ConfigException($"invalid flag: --git-config-add: {e.Message}");
            }
        }
        var git = f.Str(FlagTable.Git);
        if (string.IsNullOrEmpty(git))
        {
            throw new ConfigException("invalid flag: --git must not be empty");
        }
        return new GitOptions { Path = git, Config = config };
    }
}
