namespace GitSync.Platform;

/// <summary>--add-user: ssh refuses to run for a UID without an /etc/passwd entry.</summary>
internal static class Users
{
    public static string? EnsurePasswdEntry(string passwdPath = "/etc/passwd")
    {
        var uid = Native.GetUid();
        var gid = Native.GetGid();
        var lines = File.Exists(passwdPath) ? File.ReadAllLines(passwdPath) : [];
        foreach (var line in lines)
        {
            var fields = line.Split(':');
            if (fields.Length > 2 && fields[2] == uid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return null;
            }
        }
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/tmp";
        var entry = $"git-sync:x:{uid}:{gid}::{home}:/sbin/nologin\n";
        File.AppendAllText(passwdPath, entry);
        return entry.TrimEnd();
    }
}
