using System.Diagnostics;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.TestServers;

/// <summary>An ed25519 key pair made with ssh-keygen (no passphrase, mode 0600 as ssh demands).</summary>
public sealed record SshKeyPair(string PrivateKeyPath, string PublicKey)
{
    public static SshKeyPair Generate(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path);
        return new SshKeyPair(path, File.ReadAllText(path + ".pub").Trim());
    }

    /// <summary>"type base64" without the comment, as known_hosts lines want it.</summary>
    public string TypeAndKey => string.Join(' ', PublicKey.Split(' ').Take(2));

    internal static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(ServerProcess.Find(program, "openssh-client"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        string stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {stderr}");
        }
    }
}

/// <summary>
/// A real OpenSSH server (Debian's sshd) in the foreground on 127.0.0.1 with a fresh host key,
/// public-key authentication only, and an authorized_keys file in a temp dir. It logs in the
/// user running the tests (sshd can only switch to other users as root), with /bin/sh as login
/// shell (<see cref="PlainShellEnvironment"/>), which finds git-upload-pack on the default
/// PATH, so any repository on disk is served at its absolute path.
/// </summary>
public sealed class SshServer : IDisposable
{
    private readonly TempDir _dir;
    private readonly ServerProcess _sshd;

    private SshServer(TempDir dir, int port, SshKeyPair hostKey, ServerProcess sshd)
    {
        _dir = dir;
        Port = port;
        HostKey = hostKey;
        _sshd = sshd;
    }

    public int Port { get; }

    public SshKeyPair HostKey { get; }

    /// <summary>The user sshd lets in (the one running the tests).</summary>
    public static string User => Environment.UserName;

    /// <summary>The known_hosts line for this server (non-standard port: <c>[host]:port</c>).</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {HostKey.TypeAndKey}";

    /// <summary>Starts a server that accepts the given public keys.</summary>
    public static async Task<SshServer> StartAsync(params SshKeyPair[] authorized)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(authorized).ConfigureAwait(false);
            }
            catch (Xunit.Sdk.XunitException) when (attempt < 3)
            {
                // The free port was taken before sshd bound it.
            }
        }
    }

    /// <summary><c>ssh://user@127.0.0.1:port/abs/path</c>.</summary>
    public string UrlOf(TestRepo repo) => $"ssh://{User}@127.0.0.1:{Port}{repo.Path}";

    /// <summary>Writes a known_hosts file for this server at <paramref name="path"/>.</summary>
    public string WriteKnownHosts(string path)
    {
        File.WriteAllText(path, KnownHostsLine + "\n");
        return path;
    }

    /// <summary>What sshd logged so far (LogLevel VERBOSE: one "Accepted publickey" line per connection).</summary>
    public string Log => _sshd.Output;

    public string Diagnostics() => $"--- sshd on port {Port} ---\n{(_sshd.Output.Length > 4000 ? "..." + _sshd.Output[^4000..] : _sshd.Output)}";

    public void Dispose()
    {
        _sshd.Dispose();
        _dir.Dispose();
    }

    /// <summary>
    /// sshd sees the test user with <c>/bin/sh</c> as login shell and the server's temp dir as
    /// home, through nss_wrapper (nothing in /etc changes), as a git server's account would be:
    /// otherwise every session would run the user's own shell start-up files (on our machines
    /// root's ~/.bashrc takes seconds), slowing every SSH test for nothing.
    /// </summary>
    private static Dictionary<string, string> PlainShellEnvironment(TempDir dir)
    {
        string? library = new[] { "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so", "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so" }.FirstOrDefault(File.Exists);
        if (library is null)
        {
            throw new InvalidOperationException("the SSH tests need the Debian package 'libnss-wrapper' (.ci/run installs it)");
        }

        string user = Environment.UserName;
        string passwd = dir.Combine("passwd");
        string[] others = File.ReadAllLines("/etc/passwd").Where(l => !l.StartsWith(user + ":", StringComparison.Ordinal)).ToArray();
        string self = File.ReadAllLines("/etc/passwd").First(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        string[] fields = self.Split(':');
        fields[5] = dir.Path;
        fields[6] = "/bin/sh";
        File.WriteAllLines(passwd, [.. others, string.Join(':', fields)]);
        return new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = library,
            ["NSS_WRAPPER_PASSWD"] = passwd,
            ["NSS_WRAPPER_GROUP"] = "/etc/group",
        };
    }

    private static async Task<SshServer> TryStartAsync(SshKeyPair[] authorized)
    {
        string sshd = ServerProcess.Find("sshd", "openssh-server");
        TempDir dir = TempDir.Create("sshd");
        try
        {
            SshKeyPair hostKey = SshKeyPair.Generate(dir.Path, "host_key");
            string authorizedKeys = dir.Combine("authorized_keys");
            File.WriteAllLines(authorizedKeys, authorized.Select(k => k.PublicKey));
            int port = Ports.Free();
            string config = dir.Combine("sshd_config");
            File.WriteAllText(config, $"""
                Port {port}
                ListenAddress 127.0.0.1
                HostKey {hostKey.PrivateKeyPath}
                AuthorizedKeysFile {authorizedKeys}
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                PermitRootLogin prohibit-password
                PidFile none
                LogLevel VERBOSE
                MaxStartups 50
                """);
            if (Environment.UserName == "root")
            {
                // sshd running as root insists on its privilege-separation directory.
                Directory.CreateDirectory("/run/sshd");
            }

            ServerProcess process = ServerProcess.Start(sshd, ["-D", "-e", "-f", config], PlainShellEnvironment(dir));
            try
            {
                await process.WaitForPortAsync(port).ConfigureAwait(false);
            }
            catch
            {
                process.Dispose();
                throw;
            }

            return new SshServer(dir, port, hostKey, process);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }
}
