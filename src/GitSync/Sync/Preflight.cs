using System.Net;
using System.Net.Sockets;
using GitSync.Auth;
using GitSync.Git;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>
/// <c>--check --probe</c>: what a sync would meet, checked before one runs, in the failure
/// catalogue's terms. Run where the sync will run (in the container, with its mounts): SSH
/// key files that can't be used, the repo's host missing from known_hosts, and on the network
/// a host name that does not resolve or a port where nothing answers. Plain <c>--check</c>
/// only validates the configuration, so it also works where the secrets are not mounted.
/// </summary>
internal static class Preflight
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public static async Task<IReadOnlyList<Failure>> RunAsync(SyncOptions sync, AuthOptions auth, CancellationToken ct)
    {
        var problems = new List<Failure>();
        var endpoint = RemoteEndpoint.Parse(sync.Repo);
        if (RepoUrl.IsSsh(sync.Repo))
        {
            foreach (var key in SshCommand.KeyFiles(auth, Environment.GetEnvironmentVariable("GIT_SSH_COMMAND")))
            {
                if (SshKeyFile.Problem(key) is { } problem)
                {
                    problems.Add(new Failure(FailureClass.SshKeyUnusable, $"--ssh-key-file {key} can't be used: {problem}"));
                }
            }
            if (auth.SshKnownHosts && endpoint is not null && await KnownHostsProblemAsync(auth.SshKnownHostsFile, endpoint, ct).ConfigureAwait(false) is { } missing)
            {
                problems.Add(missing);
            }
        }
        if (endpoint is not null)
        {
            problems.AddRange(await ProbeAsync(endpoint, ct).ConfigureAwait(false));
        }
        return problems;
    }

    private static async Task<Failure?> KnownHostsProblemAsync(string knownHosts, RemoteEndpoint endpoint, CancellationToken ct)
    {
        if (!File.Exists(knownHosts))
        {
            return new Failure(FailureClass.SshHostKeyUnknown, $"--ssh-known-hosts-file {knownHosts} does not exist");
        }
        // known_hosts names a host on a non-standard port "[host]:port".
        var name = endpoint.Port == 22 ? endpoint.Host : $"[{endpoint.Host}]:{endpoint.Port}";
        ChildResult found;
        try
        {
            // ssh-keygen -F understands hashed entries and patterns, as ssh itself does.
            found = await ChildProcess.RunAsync("ssh-keygen", ["-F", name, "-f", knownHosts], null, null, null, ct).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        return found.ExitCode == 0 && found.Stdout.Trim().Length > 0
            ? null
            : new Failure(FailureClass.SshHostKeyUnknown, $"--ssh-known-hosts-file {knownHosts} has no key for {name}");
    }

    private static async Task<IReadOnlyList<Failure>> ProbeAsync(RemoteEndpoint endpoint, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(endpoint.Host, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return [new Failure(FailureClass.NameResolutionFailed, $"can't resolve {endpoint.Host}: {Lower(e.SocketErrorCode)}")];
        }
        if (addresses.Length == 0)
        {
            return [new Failure(FailureClass.NameResolutionFailed, $"{endpoint.Host} has no addresses")];
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(addresses, endpoint.Port, timeout.Token).ConfigureAwait(false);
            return [];
        }
        catch (SocketException e)
        {
            return [new Failure(FailureClass.ConnectionFailed, $"can't connect to {endpoint.Host} port {endpoint.Port}: {Lower(e.SocketErrorCode)}")];
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return [new Failure(FailureClass.ConnectionFailed, $"can't connect to {endpoint.Host} port {endpoint.Port}: timed out after {Duration.Format(ConnectTimeout)}")];
        }
    }

    /// <summary>"HostNotFound" → "host not found".</summary>
    private static string Lower(SocketError error)
    {
        var text = error.ToString();
        var sb = new System.Text.StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (char.IsUpper(c) && sb.Length > 0)
            {
                sb.Append(' ');
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}

/// <summary>The host and port git will connect to for a repository URL; null for local repos.</summary>
internal sealed record RemoteEndpoint(string Host, int Port)
{
    public static RemoteEndpoint? Parse(string repo)
    {
        var scheme = repo.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            // scp-like [user@]host:path (an SSH URL); anything else is a local path.
            if (!RepoUrl.IsSsh(repo))
            {
                return null;
            }
            var colon = repo.IndexOf(':', StringComparison.Ordinal);
            var host = repo[..colon];
            var at = host.LastIndexOf('@');
            host = at >= 0 ? host[(at + 1)..] : host;
            return host.Length == 0 ? null : new RemoteEndpoint(host.Trim('[', ']'), 22);
        }
        var name = repo[..scheme].ToLowerInvariant();
        int? defaultPort = name switch
        {
            "http" => 80,
            "https" => 443,
            "ssh" or "git+ssh" or "ssh+git" => 22,
            "git" => 9418,
            _ => null,
        };
        if (defaultPort is null || !Uri.TryCreate(name is "git+ssh" or "ssh+git" ? "ssh" + repo[scheme..] : repo, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return null;
        }
        return new RemoteEndpoint(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? defaultPort.Value : uri.Port);
    }
}
