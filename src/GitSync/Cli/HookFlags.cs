using GitSync.Hooks;
using GitSync.Platform;

namespace GitSync.Cli;

/// <summary>Flags of the exec hook, the pre-publish hook and the webhook, validated into <see cref="HookOptions"/>.</summary>
internal static class HookFlags
{
    public static HookOptions Read(FlagValues f, TimeSpan syncTimeout)
    {
        // The gate runs inside the sync: a hook allowed to outlive the sync would be killed by
        // the sync timeout and count as a failed sync instead of a refused revision.
        var prePublish = CommandHook(f, FlagTable.PrePublishExechookCommand, FlagTable.PrePublishExechookTimeout, FlagTable.PrePublishExechookBackoff);
        if (prePublish is not null && prePublish.Timeout >= syncTimeout)
        {
            throw new ConfigException($"invalid flag: --pre-publish-exechook-timeout ({Duration.Format(prePublish.Timeout)}) must be shorter than --sync-timeout ({Duration.Format(syncTimeout)}): the hook runs inside the sync");
        }
        return new HookOptions
        {
            ExecHook = CommandHook(f, FlagTable.ExechookCommand, FlagTable.ExechookTimeout, FlagTable.ExechookBackoff),
            PrePublishHook = prePublish,
            Webhook = Webhook(f),
        };
    }

    private static CommandHookOptions? CommandHook(FlagValues f, Flag commandFlag, Flag timeoutFlag, Flag backoffFlag)
    {
        var command = f.Str(commandFlag);
        if (string.IsNullOrEmpty(command))
        {
            return null;
        }
        var timeout = f.Dur(timeoutFlag);
        var backoff = f.Dur(backoffFlag);
        if (timeout < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException($"invalid flag: --{timeoutFlag.Name} must be at least 1s");
        }
        if (backoff < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException($"invalid flag: --{backoffFlag.Name} must be at least 1s");
        }
        return new CommandHookOptions(command, timeout, backoff);
    }

    private static WebhookOptions? Webhook(FlagValues f)
    {
        var url = f.Str(FlagTable.WebhookUrl);
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new ConfigException($"invalid flag: --webhook-url must be an http(s) URL");
        }
        var status = f.Int(FlagTable.WebhookSuccessStatus);
        if (status == -1)
        {
            status = 0;
        }
        if (status < 0)
        {
            throw new ConfigException("invalid flag: --webhook-success-status must be a valid HTTP code, 0 or -1");
        }
        var timeout = f.Dur(FlagTable.WebhookTimeout);
        var backoff = f.Dur(FlagTable.WebhookBackoff);
        if (timeout < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException("invalid flag: --webhook-timeout must be at least 1s");
        }
        if (backoff < TimeSpan.FromSeconds(1))
        {
            throw new ConfigException("invalid flag: --webhook-backoff must be at least 1s");
        }
        var method = f.Str(FlagTable.WebhookMethod);
        if (string.IsNullOrWhiteSpace(method))
        {
            throw new ConfigException("invalid flag: --webhook-method must not be empty");
        }
        return new WebhookOptions(url, method, status, timeout, backoff);
    }
}
