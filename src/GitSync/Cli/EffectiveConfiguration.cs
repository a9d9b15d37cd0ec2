using System.Text.Json;
using GitSync.Logging;

namespace GitSync.Cli;

/// <summary>
/// <c>--check</c>: the configuration git-sync would run with, after flags, environment,
/// deprecated spellings and defaults are resolved, as JSON. Secrets are never printed: passwords
/// and keys appear only as where they come from, URLs with their password masked, and git
/// config values (which may hold tokens, e.g. http.extraHeader) not at all.
/// </summary>
internal static class EffectiveConfiguration
{
    public static string Render(SyncOptions o)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartObject();
            w.WriteString("repo", Redactor.RedactUrlPasswords(o.Repo));
            w.WriteString("ref", o.Ref);
            w.WriteString("root", o.Root);
            w.WriteString("link", o.Link);
            w.WriteNumber("depth", o.Depth);
            w.WriteString("submodules", o.Submodules.ToString().ToLowerInvariant());
            w.WriteString("sparseCheckoutFile", o.SparseCheckoutFile);
            w.WriteString("filter", o.Filter);
            w.WriteString("period", Duration.Format(o.Period));
            w.WriteString("initPeriod", Duration.Format(o.InitPeriod));
            w.WriteString("syncTimeout", Duration.Format(o.SyncTimeout));
            w.WriteBoolean("oneTime", o.OneTime);
            w.WriteNumber("maxFailures", o.MaxFailures);
            w.WriteNumber("initMaxFailures", o.InitMaxFailures);
            w.WriteString("staleWorktreeTimeout", Duration.Format(o.StaleWorktreeTimeout));
            if (o.SyncSignal is int signal)
            {
                w.WriteNumber("syncOnSignal", signal);
            }
            else
            {
                w.WriteNull("syncOnSignal");
            }
            w.WriteString("touchFile", o.TouchFile);
            w.WriteString("errorFile", o.ErrorFile);
            w.WriteBoolean("groupWrite", o.GroupWrite);
            w.WriteBoolean("addUser", o.AddUser);
            w.WriteString("git", o.GitPath);
            w.WriteStartArray("gitConfigKeys");
            foreach (var entry in o.GitConfig)
            {
                w.WriteStringValue(entry.Add ? entry.Key + " (add)" : entry.Key);
            }
            w.WriteEndArray();
            w.WriteString("gitGc", o.GitGc.ToString().ToLowerInvariant());
            w.WriteString("httpBind", o.HttpBind);
            w.WriteBoolean("httpMetrics", o.HttpMetrics);
            w.WriteBoolean("httpPprof", o.HttpPprof);
            w.WriteBoolean("pushTrigger", o.PushTrigger is not null);
            w.WriteStartArray("pushTriggerPeers");
            foreach (var peer in o.PushTrigger?.Peers ?? [])
            {
                w.WriteStringValue(peer.ToString());
            }
            w.WriteEndArray();
            w.WriteStartObject("httpLimits");
            w.WriteNumber("maxConnections", o.HttpLimits.MaxConnections);
            w.WriteString("headerTimeout", Duration.Format(o.HttpLimits.HeaderTimeout));
            w.WriteNumber("maxHeaderBytes", o.HttpLimits.MaxHeaderBytes);
            w.WriteString("keepAliveTimeout", Duration.Format(o.HttpLimits.KeepAliveTimeout));
            w.WriteEndObject();
            w.WriteString("maxStaleness", o.MaxStaleness is { } stale ? Duration.Format(stale) : null);
            w.WriteStartObject("signatures");
            w.WriteString("mode", o.Signatures.Mode.ToString().ToLowerInvariant());
            w.WriteString("gpgKeyringFile", o.Signatures.GpgKeyringFile);
            w.WriteString("sshAllowedSignersFile", o.Signatures.SshAllowedSignersFile);
            w.WriteEndObject();
            w.WriteNumber("verbosity", o.Verbosity);
            Hook(w, "exechook", o.ExecHook);
            Hook(w, "prePublishExechook", o.PrePublishHook);
            if (o.Webhook is { } web)
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
