using System.Text.Json;
using GitSync.Hooks;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>
/// <c>--check</c>: the configuration git-sync would run with, after flags, environment,
/// deprecated spellings and defaults are resolved, as JSON. Secrets are never printed: passwords
/// and keys appear only as where they come from, URLs with their password masked, and git
/// config values (which may hold tokens, e.g. http.extraHeader) not at all.
/// </summary>
internal static class EffectiveConfiguration
{
    public static string Render(GitSyncOptions o)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartObject();
            w.WriteString("repo", Redactor.RedactUrlPasswords(o.Sync.Repo));
            w.WriteString("ref", o.Sync.Ref.Text);
            w.WriteString("root", o.Sync.Root);
            w.WriteString("link", o.Sync.Link);
            w.WriteNumber("depth", o.Sync.Depth);
            w.WriteString("submodules", o.Sync.Submodules.ToString().ToLowerInvariant());
            w.WriteString("sparseCheckoutFile", o.Sync.SparseCheckoutFile);
            w.WriteString("filter", o.Sync.Filter);
            w.WriteString("period", Duration.Format(o.Loop.Period));
            w.WriteString("initPeriod", Duration.Format(o.Loop.InitPeriod));
            w.WriteString("syncTimeout", Duration.Format(o.Loop.SyncTimeout));
            w.WriteBoolean("oneTime", o.Loop.OneTime);
            w.WriteNumber("maxFailures", o.Loop.MaxFailures);
            w.WriteNumber("initMaxFailures", o.Loop.InitMaxFailures);
            w.WriteString("staleWorktreeTimeout", Duration.Format(o.Sync.StaleWorktreeTimeout));
            w.WriteBoolean("recycleWorktrees", o.Sync.RecycleWorktrees);
            if (o.Loop.SyncSignal is int signal)
            {
                w.WriteNumber("syncOnSignal", signal);
            }
            else
            {
                w.WriteNull("syncOnSignal");
            }
            w.WriteString("touchFile", o.Loop.TouchFile);
            w.WriteString("errorFile", o.Loop.ErrorFile);
            w.WriteBoolean("groupWrite", o.GroupWrite);
            w.WriteBoolean("addUser", o.AddUser);
            w.WriteString("git", o.Git.Path);
            w.WriteStartArray("gitConfigKeys");
            foreach (var entry in o.Git.Config)
            {
                w.WriteStringValue(entry.Add ? entry.Key + " (add)" : entry.Key);
            }
            w.WriteEndArray();
            w.WriteString("gitGc", o.Sync.GitGc.ToString().ToLowerInvariant());
            w.WriteString("httpBind", o.Http.Bind);
            w.WriteBoolean("httpMetrics", o.Http.Metrics);
            w.WriteBoolean("httpPprof", o.Http.Pprof);
            w.WriteBoolean("pushTrigger", o.Http.PushTrigger is not null);
            w.WriteStartObject("httpLimits");
            w.WriteNumber("maxConnections", o.Http.Limits.MaxConnections);
            w.WriteString("headerTimeout", Duration.Format(o.Http.Limits.HeaderTimeout));
            w.WriteNumber("maxHeaderBytes", o.Http.Limits.MaxHeaderBytes);
            w.WriteString("keepAliveTimeout", Duration.Format(o.Http.Limits.KeepAliveTimeout));
            w.WriteEndObject();
            w.WriteString("maxStaleness", o.Http.MaxStaleness is { } stale ? Duration.Format(stale) : null);
            w.WriteStartObject("signatures");
            w.WriteString("mode", o.Signatures.Mode.ToString().ToLowerInvariant());
            w.WriteString("gpgKeyringFile", o.Signatures.GpgKeyringFile);
            w.WriteString("sshAllowedSignersFile", o.Signatures.SshAllowedSignersFile);
            w.WriteEndObject();
            w.WriteNumber("verbosity", o.Verbosity);
            Hook(w, "exechook", o.Hooks.ExecHook);
            Hook(w, "prePublishExechook", o.Hooks.PrePublishHook);
            if (o.Hooks.Webhook is { } web)
            {
                w.WriteStartObject("webhook");
                w.WriteString("url", Redactor.RedactUrlPasswords(web.Url));
                w.WriteString("method", web.Method);
                w.WriteNumber("successStatus", web.SuccessStatus);
                w.WriteString("timeout", Duration.Format(web.Timeout));
                w.WriteString("backoff", Duration.Format(web.Backoff));
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("webhook");
            }
            var a = o.Auth;
            w.WriteStartObject("auth");
            w.WriteString("username", a.Username);
            w.WriteString("password", a.Password is not null ? "(set)" : a.PasswordFile is not null ? "file " + a.PasswordFile : null);
            w.WriteStartArray("credentials");
            foreach (var c in a.Credentials)
            {
                w.WriteStringValue($"{Redactor.RedactUrlPasswords(c.Url)} as {c.Username}");
            }
            w.WriteEndArray();
            w.WriteString("askpassUrl", a.AskpassUrl is null ? null : Redactor.RedactUrlPasswords(a.AskpassUrl));
            w.WriteBoolean("cookieFile", a.CookieFile);
            w.WriteStartArray("sshKeyFiles");
            foreach (var k in a.SshKeyFiles)
            {
                w.WriteStringValue(k);
            }
            w.WriteEndArray();
            w.WriteBoolean("sshKnownHosts", a.SshKnownHosts);
            w.WriteString("sshKnownHostsFile", a.SshKnownHostsFile);
            var app = a.GitHubAppApplicationId != 0 || a.GitHubAppClientId is not null;
            w.WriteBoolean("githubApp", app);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Hook(Utf8JsonWriter w, string name, CommandHookOptions? hook)
    {
        if (hook is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("command", hook.Command);
        w.WriteString("timeout", Duration.Format(hook.Timeout));
        w.WriteString("backoff", Duration.Format(hook.Backoff));
        w.WriteEndObject();
    }
}
