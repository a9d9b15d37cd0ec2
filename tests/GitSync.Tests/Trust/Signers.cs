using System.Diagnostics;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.Trust;

/// <summary>
/// Real signing keys for tests: OpenPGP keys in a throw-away GnuPG home and SSH keys, plus
/// signed commits and tags made with them by the real git.
/// </summary>
public sealed class Signers : IDisposable
{
    private readonly TempDir _dir = TempDir.Create("keys");

    public Signers()
    {
        GnupgHome = _dir.Combine("gnupg");
        Directory.CreateDirectory(GnupgHome, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string GnupgHome { get; }

    /// <summary>Generates an OpenPGP signing key without a passphrase; returns its email (the key's name for gpg).</summary>
    public string NewGpgKey(string name, string expire = "never")
    {
        string email = name + "@example.com";
        Run("gpg", null, "--batch", "--passphrase", "", "--quick-gen-key", $"{name} <{email}>", "ed25519", "sign", expire);
        return email;
    }

    /// <summary>
    /// Generates a key on 2020-01-01 (gpg's faked clock) that expired a day later, and returns
    /// its email; <see cref="CommitSignedInThePast"/> signs with it while it was still valid.
    /// </summary>
    public string NewKeyExpiredLongAgo(string name)
    {
        string email = name + "@example.com";
        Run("gpg", null, "--batch", "--faked-system-time", PastKeyCreation, "--passphrase", "", "--quick-gen-key", $"{name} <{email}>", "ed25519", "sign", "1d");
        return email;
    }

    /// <summary>Commits <paramref name="file"/> signed by gpg running on a clock set to the hour after <see cref="NewKeyExpiredLongAgo"/>.</summary>
    public string CommitSignedInThePast(TestRepo repo, string email, string file, string content)
    {
        string wrapper = _dir.Combine("gpg-in-2020");
        if (!File.Exists(wrapper))
        {
            File.WriteAllText(wrapper, "#!/bin/sh\nexec gpg --faked-system-time 20200101T010000 \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(Path.Combine(repo.Path, file), content);
        repo.Git("add", "--all");
        Run("git", repo.Path, [.. SigningConfig(email), "-c", "gpg.program=" + wrapper, "commit", "--quiet", "-S", "-m", "signed " + file]);
        return repo.Head;
    }

    private const string PastKeyCreation = "20200101T000000";

    /// <summary>Writes an armored public keyring with <paramref name="emails"/>' keys to <paramref name="path"/>.</summary>
    public string WriteKeyring(string path, params string[] emails)
    {
        string armored = Run("gpg", null, ["--batch", "--armor", "--export", .. emails]);
        string temp = path + ".tmp";
        File.WriteAllText(temp, armored);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Generates an SSH ed25519 key; returns the private key's path.</summary>
    public string NewSshKey(string name)
    {
        string path = _dir.Combine(name);
        Run("ssh-keygen", null, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path);
        return path;
    }

    /// <summary>Writes an allowed-signers file trusting <paramref name="keys"/> (private key paths) for any principal.</summary>
    public static string WriteAllowedSigners(string path, params string[] keys)
    {
        string text = string.Concat(keys.Select(k => "signer@example.com " + File.ReadAllText(k + ".pub").Trim() + "\n"));
        string temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Commits <paramref name="file"/> signed with an OpenPGP key (email) or an SSH key (private key path).</summary>
    public string CommitSigned(TestRepo repo, string key, string file, string content)
    {
        File.WriteAllText(Path.Combine(repo.Path, file), content);
        repo.Git("add", "--all");
        Run("git", repo.Path, [.. SigningConfig(key), "commit", "--quiet", "-S", "-m", "signed " + file]);
        return repo.Head;
    }

    /// <summary>Creates a signed annotated tag at HEAD; returns the tag object's hash.</summary>
    public string TagSigned(TestRepo repo, string key, string name)
    {
        Run("git", repo.Path, [.. SigningConfig(key), "tag", "-s", "-m", "signed " + name, name]);
        return repo.RevParse(name);
    }

    private static string[] SigningConfig(string key) =>
        key.Contains('@', StringComparison.Ordinal)
            ? ["-c", "user.name=Signer", "-c", "user.email=signer@example.com", "-c", "gpg.format=openpgp", "-c", "user.signingkey=" + key]
            : ["-c", "user.name=Signer", "-c", "user.email=signer@example.com", "-c", "gpg.format=ssh", "-c", "user.signingkey=" + key];

    private string Run(string file, string? workDir, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (workDir is not null)
        {
            info.WorkingDirectory = workDir;
        }

        info.Environment["GNUPGHOME"] = GnupgHome;
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    public void Dispose()
    {
        try
        {
            // Signing started a gpg-agent for this home; stop exactly that one.
            Run("gpgconf", null, "--kill", "gpg-agent");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        _dir.Dispose();
    }
}
