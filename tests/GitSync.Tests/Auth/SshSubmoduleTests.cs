using GitSync.Tests.Infrastructure;
using GitSync.Tests.TestServers;
using Xunit;
using Xunit.Abstractions;

namespace GitSync.Tests.Auth;

/// <summary>
/// A repository and its submodule on two sshd servers that each accept a different key: every
/// --ssh-key-file is offered to every host, so both clone.
/// </summary>
public sealed class SshSubmoduleTests(ITestOutputHelper output) : AuthTest(output)
{
    [Fact]
    public async Task Repo_and_submodule_on_two_ssh_servers_with_different_keys_sync()
    {
        string keyDir = NewDir("keys").Path;
        SshKeyPair mainKey = SshKeyPair.Generate(keyDir, "main");
        SshKeyPair subKey = SshKeyPair.Generate(keyDir, "sub");
        SshServer mainServer = await SshServerAsync(mainKey);
        SshServer subServer = await SshServerAsync(subKey);

        TestRepo sub = NewRepo(name: "sub");
        string subHead = sub.Commit("subfile", "from the submodule");
        TestRepo main = NewRepo(name: "main");
        File.WriteAllText(Path.Combine(main.Path, "file"), "main");
        File.WriteAllText(Path.Combine(main.Path, ".gitmodules"), $"[submodule \"sub\"]\n\tpath = sub\n\turl = {subServer.UrlOf(sub)}\n");
        main.Git("add", "file", ".gitmodules");
        main.Git("update-index", "--add", "--cacheinfo", $"160000,{subHead},sub");
        main.Git("commit", "--quiet", "-m", "main with an ssh submodule");
        string head = main.Git("rev-parse", "HEAD").Trim();

        string root = NewDir().Path;
        string link = Path.Combine(root, "link");
        GitSyncProcess p = await RunAsync([
            $"--repo={mainServer.UrlOf(main)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + mainKey.PrivateKeyPath, "--ssh-key-file=" + subKey.PrivateKeyPath,
            "--ssh-known-hosts=false"]);

        AssertPublished(p, link, head, () => mainServer.Diagnostics() + subServer.Diagnostics());
        Layout.AssertFile(link, "sub/subfile", "from the submodule", () => p.Diagnostics() + subServer.Diagnostics());
    }

    [Fact]
    public async Task Submodule_host_rejecting_every_offered_key_fails_the_sync()
    {
        string keyDir = NewDir("keys").Path;
        SshKeyPair mainKey = SshKeyPair.Generate(keyDir, "main");
        SshKeyPair subKey = SshKeyPair.Generate(keyDir, "sub");
        SshServer mainServer = await SshServerAsync(mainKey);
        SshServer subServer = await SshServerAsync(subKey);

        TestRepo sub = NewRepo(name: "sub");
        string subHead = sub.Commit("subfile", "from the submodule");
        TestRepo main = NewRepo(name: "main");
        File.WriteAllText(Path.Combine(main.Path, ".gitmodules"), $"[submodule \"sub\"]\n\tpath = sub\n\turl = {subServer.UrlOf(sub)}\n");
        main.Git("add", ".gitmodules");
        main.Git("update-index", "--add", "--cacheinfo", $"160000,{subHead},sub");
        main.Git("commit", "--quiet", "-m", "main with an ssh submodule");

        string root = NewDir().Path;
        GitSyncProcess p = await RunAsync([
            $"--repo={mainServer.UrlOf(main)}", $"--root={root}", "--link=link", "--one-time",
            "--ssh-key-file=" + mainKey.PrivateKeyPath, "--ssh-known-hosts=false"]);

        AssertFailedWithoutPublishing(p, Path.Combine(root, "link"), () => mainServer.Diagnostics() + subServer.Diagnostics());
    }
}
