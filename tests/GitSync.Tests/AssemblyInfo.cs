using System.Runtime.Versioning;

// The end-to-end tests drive a Linux binary with Linux tools (setsid, unshare, /proc, signals).
[assembly: SupportedOSPlatform("linux")]
