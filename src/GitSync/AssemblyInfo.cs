// git-sync runs on Linux only: it relies on symlinks, rename(2), renameat2 and POSIX signals.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
