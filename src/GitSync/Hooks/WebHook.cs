using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Hooks;

/// <summary>
/// Calls <c>--webhook-url</c> with the hash in the <c>Gitsync-Hash</c> header. Success is the
/// configured status; a success status of 0 means fire-and-forget (any answer, or none, counts).
/// </summary>
internal sealed class WebHook(WebhookOptions options, HttpClient client, Log log) : IHook
{
    public string Name => "webhook";

    public async Task RunAsync(string worktree, string hash, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var request = new HttpRequestMessage(new HttpMethod(options.Method), options.Url);
        request.Headers.TryAddWithoutValidation("Gitsync-Hash", hash);
        log.Info(1, "sending webhook", ("url", options.Url), ("method", options.Method), ("hash", hash));
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (options.SuccessStatus != 0 && status != options.SuccessStatus)
            {
                throw new HookException($"webhook {options.Url} answered {status}, expected {options.SuccessStatus}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            if (options.SuccessStatus == 0)
            {
                return;
            }
            throw new HookException(e is OperationCanceledException
                ? $"webhook {options.Url} timed out after {Duration.Format(options.Timeout)}"
                : $"webhook {options.Url} failed: {e.Message}");
        }
    }
}
